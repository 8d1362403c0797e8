import { spawn, type ChildProcess } from 'node:child_process';
import { WORKER_NODE_FLAGS } from '../../apps/worker/src/node-flags.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  DomainError,
  ORIGINS,
  decide,
  evolve,
  initialLeadState,
  type LeadCommand,
  type LeadEvent,
  type LeadState,
} from '../../libs/domain/src/index.js';
import { PostgresEventStore } from '../../libs/event-store/src/index.js';
import { runMigrations } from '../../libs/event-store/src/migrate.js';
import { ProjectionRunner, beginRebuild, projectionStatus } from '../../libs/projections/src/index.js';
import { ALL_MIGRATIONS, LeadFunnelProjection } from '../../libs/read-models/src/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * Crash safety of the standalone worker: SIGKILL it in the middle of a catch-up over >= 100,000 events, restart it,
 * and the read models must be byte-for-byte (ordered md5 of every row) what a clean rebuild of the same events
 * gives, with events_processed equal to the number of events (every event applied exactly once across the crash).
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const worker = path.join(root, 'dist/apps/worker/src/main.js');
const PROJECTION = 'lead_funnel';
const MIN_EVENTS = 100_000;
const CONCURRENT_APPENDS = 8;
const START = Date.parse('2024-01-01T00:00:00.000Z');
const NOW = new Date('2030-01-01T00:00:00.000Z');

const TABLES = [
  { table: 'rm_lead_summary', key: 'lead_id' },
  { table: 'rm_stage_visits', key: 'lead_id, visit_number' },
  { table: 'rm_sla_cases', key: 'lead_id, case_number' },
] as const;

/** A deterministic, valid history of ~5 events for lead number i (commands through decide/evolve, refusals dropped). */
function history(i: number): LeadEvent[] {
  const leadId = `crash-lead-${String(i).padStart(6, '0')}`;
  let time = START + (i % 5000) * 60_000;
  let state: LeadState = initialLeadState(leadId);
  const events: LeadEvent[] = [];
  const run = (command: Omit<LeadCommand, 'leadId' | 'occurredAt'>, delayMinutes: number) => {
    time += delayMinutes * 60_000;
    try {
      for (const event of decide({ ...command, leadId, occurredAt: new Date(time) } as LeadCommand, state, { now: NOW, defaultCurrency: 'EUR' })) {
        state = evolve(state, event);
        events.push(event);
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  };
  const v = i % 7;
  run(
    { type: 'CaptureResponder', channel: ['web', 'event', 'referral'][i % 3], origin: ORIGINS[i % ORIGINS.length], estimatedValue: v === 3 ? null : 1000 + (i % 97) * 10 } as never,
    0,
  );
  run({ type: 'ScoreLead', budget: i % 21, authority: (i * 3) % 21, need: (i * 7) % 21, timeframe: (i * 11) % 21, trust: (i * 13) % 21 } as never, 5 + (i % 30));
  run({ type: 'HandOffLead', ownerId: `rep-${i % 4}`, estimatedValue: v === 1 ? null : 2000 + (i % 13) * 100, team: [null, 'east', 'west'][i % 3] } as never, 60 + (i % 2000));
  if (v === 2) run({ type: 'RejectLead', by: `rep-${i % 4}`, reason: 'no-budget' } as never, 30 + (i % 5000));
  else run({ type: 'AcceptLead', by: `rep-${i % 4}` } as never, 30 + (i % 5000));
  if (v === 0) run({ type: 'MarkLeadWon', amount: 500 + (i % 9000) } as never, 1440);
  else if (v === 1) run({ type: 'MarkLeadLost', reason: 'competitor', value: i % 2 ? null : 300 } as never, 1440);
  else if (v === 2) run({ type: 'RecycleLead', reason: 'timing', toStage: null } as never, 720);
  else if (v === 3) run({ type: 'RecycleLead', reason: 'timing', toStage: 'mql' } as never, 720);
  else run({ type: 'AdvanceLeadStage', step: 'meeting', value: v === 4 ? null : 4000 } as never, 2880);
  if (v === 5) run({ type: 'MarkLeadWon', amount: 7000 } as never, 10_000);
  return events;
}

function startWorker(url: string): { child: ChildProcess; logs: () => string } {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, worker], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  return { child, logs: () => logs };
}

const exitOf = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
    : new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

async function eventsProcessed(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query(`SELECT events_processed::text AS n FROM projection_checkpoints WHERE name = $1`, [PROJECTION]);
  return rows.length === 0 ? 0 : Number(rows[0].n);
}

async function checksums(pool: pg.Pool): Promise<Record<string, { rows: number; md5: string | null }>> {
  const out: Record<string, { rows: number; md5: string | null }> = {};
  for (const { table, key } of TABLES) {
    const { rows } = await pool.query(`SELECT count(*)::int AS rows, md5(string_agg(t::text, '|' ORDER BY ${key})) AS md5 FROM ${table} t`);
    out[table] = rows[0];
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('worker crash safety', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    await runMigrations(db.url, () => {}, ALL_MIGRATIONS);
    pool = new pg.Pool({ connectionString: db.url, max: CONCURRENT_APPENDS + 2 });
    pool.on('error', () => {});
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exitOf));
    await pool?.end();
    await db?.drop();
  });

  it('SIGKILL mid catch-up, restart: every event applied once, read models equal a clean rebuild', async () => {
    const t0 = Date.now();
    // 1. >= 100,000 events: one append per lead (one stream), CONCURRENT_APPENDS appends in flight.
    const leads: LeadEvent[][] = [];
    let total = 0;
    for (let i = 0; total < MIN_EVENTS; i++) {
      const events = history(i);
      expect(events[0]?.type).toBeDefined();
      leads.push(events);
      total += events.length;
    }
    const store = new PostgresEventStore(pool);
    const metadata = { actor: { type: 'import' as const, id: 'crash-test' }, correlationId: null, causationId: null };
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENT_APPENDS }, async () => {
        for (let i = next++; i < leads.length; i = next++) {
          const events = leads[i];
          await store.append(
            `crash-lead-${String(i).padStart(6, '0')}`,
            events.map((e) => ({ type: e.type, schemaVersion: e.schemaVersion, data: e.data, occurredAt: e.occurredAt, metadata })),
            { expectedRevision: 'no_stream' },
          );
        }
      }),
    );
    const { rows: countRows } = await pool.query(`SELECT count(*)::int AS n FROM events`);
    expect(countRows[0].n).toBe(total);
    expect(total).toBeGreaterThanOrEqual(MIN_EVENTS);
    const tAppended = Date.now();

    // 2. Start the worker; SIGKILL it once the checkpoint is past 20% but before the end.
    const first = startWorker(db.url);
    children.push(first.child);
    let seen = 0;
    const killDeadline = Date.now() + 60_000;
    for (;;) {
      seen = await eventsProcessed(pool);
      if (seen >= total * 0.2) break;
      if (first.child.exitCode !== null) throw new Error(`worker exited early (${first.child.exitCode}): ${first.logs()}`);
      if (Date.now() > killDeadline) throw new Error(`worker did not reach 20% in 60s (at ${seen}/${total}): ${first.logs()}`);
      await sleep(10);
    }
    first.child.kill('SIGKILL');
    const exit = await exitOf(first.child);
    const tKilled = Date.now();
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    // It died mid catch-up: some but not all events committed (a batch open at the kill is rolled back).
    const atKill = await eventsProcessed(pool);
    expect(atKill).toBeGreaterThanOrEqual(seen);
    expect(atKill).toBeLessThan(total);
    const [killedStatus] = await projectionStatus(pool, [PROJECTION]);
    expect(killedStatus.state).toBe('running');
    expect(killedStatus.lag).toBeGreaterThan(0);

    // 3. Restart: it must finish the catch-up from the checkpoint.
    const second = startWorker(db.url);
    children.push(second.child);
    const doneDeadline = Date.now() + 90_000;
    for (;;) {
      const [status] = await projectionStatus(pool, [PROJECTION]);
      if (status.error) throw new Error(`projection failed: ${status.error}`);
      if (status.lag === 0 && status.position === status.headPosition && status.eventsProcessed >= total) break;
      if (second.child.exitCode !== null) throw new Error(`restarted worker exited (${second.child.exitCode}): ${second.logs()}`);
      if (Date.now() > doneDeadline) throw new Error(`restarted worker did not catch up: ${JSON.stringify(status)}`);
      await sleep(50);
    }
    second.child.kill('SIGTERM');
    expect(await exitOf(second.child)).toEqual({ code: 0, signal: null });
    const tRecovered = Date.now();
    const [recovered] = await projectionStatus(pool, [PROJECTION]);
    expect(recovered).toMatchObject({ state: 'running', error: null, lag: 0, eventsProcessed: total });
    const afterCrash = await checksums(pool);
    expect(afterCrash.rm_lead_summary.rows).toBe(leads.length);
    // every lead's summary reflects its last event: the revisions add up to the event count
    const { rows: revRows } = await pool.query(`SELECT sum(last_revision)::text AS n FROM rm_lead_summary`);
    expect(Number(revRows[0].n)).toBe(total);

    // 4. Clean rebuild of the same events in-process, then compare.
    // rm_* are views over the active version's tables (blue/green versions): truncate the tables themselves.
    const { rows: activeRows } = await pool.query(`SELECT schema_name FROM projection_versions WHERE projection = $1 AND state = 'active'`, [PROJECTION]);
    await pool.query(`TRUNCATE ${TABLES.map(({ table }) => `${activeRows[0].schema_name}.${table}`).join(', ')}`);
    await pool.query(
      `UPDATE projection_checkpoints SET transaction_id = '0', global_position = 0, events_processed = 0, state = 'running', error = NULL, failed_event_id = NULL WHERE name = $1`,
      [PROJECTION],
    );
    const runner = new ProjectionRunner(pool, new LeadFunnelProjection(), { log: () => {} });
    const result = await runner.catchUp();
    expect(result).toMatchObject({ state: 'running', caughtUp: true });
    expect(result.processed).toBe(total);
    expect(await eventsProcessed(pool)).toBe(total);
    const rebuilt = await checksums(pool);
    expect(afterCrash).toEqual(rebuilt);
    const tRebuilt = Date.now();

    console.log(
      `[crash] ${total} events / ${leads.length} leads; appended in ${tAppended - t0}ms; SIGKILL at ${atKill} processed ` +
        `(${((100 * atKill) / total).toFixed(1)}%, polled ${seen}) after ${tKilled - tAppended}ms; restart caught up in ${tRecovered - tKilled}ms; ` +
        `rebuild ${tRebuilt - tRecovered}ms; rows ${JSON.stringify(Object.fromEntries(Object.entries(rebuilt).map(([k, v]) => [k, v.rows])))}`,
    );
  }, 300_000);

  it('SIGKILL during a bulk rebuild, restart: the build resumes from its cursor, and the swapped-in tables equal the clean ones', async () => {
    // The previous test left the live tables equal to a clean build of every event: the reference.
    const before = await checksums(pool);
    const { rows: countRows } = await pool.query(`SELECT count(*)::int AS n FROM events`);
    const total: number = countRows[0].n;
    expect(total).toBeGreaterThanOrEqual(MIN_EVENTS);
    const version = await beginRebuild(pool, PROJECTION);
    const building = async () =>
      (
        await pool.query(
          `SELECT events_processed::int AS processed, global_position::text AS position, bulk_after_stream AS after FROM projection_checkpoints WHERE name = $1`,
          [version.checkpoint],
        )
      ).rows[0] as { processed: number; position: string; after: string | null };

    // Kill the worker once the bulk build has written a fifth of the events (it writes whole leads in stream order).
    const first = startWorker(db.url);
    children.push(first.child);
    const killDeadline = Date.now() + 60_000;
    for (;;) {
      const row = await building();
      if (row && row.processed >= total * 0.2) break;
      if (first.child.exitCode !== null) throw new Error(`worker exited early (${first.child.exitCode}): ${first.logs()}`);
      if (Date.now() > killDeadline) throw new Error(`the bulk build did not reach 20% in 60s: ${first.logs()}`);
      await sleep(10);
    }
    first.child.kill('SIGKILL');
    expect(await exitOf(first.child)).toEqual({ code: null, signal: 'SIGKILL' });
    const atKill = await building();
    // Mid bulk: the checkpoint still at the start, the cursor somewhere among the leads, part of the events written.
    expect(atKill.position).toBe('0');
    expect(atKill.after).toMatch(/^crash-lead-\d{6}$/);
    expect(atKill.processed).toBeGreaterThan(0);
    expect(atKill.processed).toBeLessThan(total);

    // Restart: the build resumes, is indexed and swapped in.
    const second = startWorker(db.url);
    children.push(second.child);
    const doneDeadline = Date.now() + 90_000;
    for (;;) {
      const { rows } = await pool.query(`SELECT state FROM projection_versions WHERE projection = $1 AND version = $2`, [PROJECTION, version.version]);
      if (rows[0].state === 'active') break;
      const [status] = await projectionStatus(pool, { checkpoints: [version.checkpoint] });
      if (status?.error) throw new Error(`the rebuild failed: ${status.error}`);
      if (second.child.exitCode !== null) throw new Error(`restarted worker exited (${second.child.exitCode}): ${second.logs()}`);
      if (Date.now() > doneDeadline) throw new Error(`the rebuild was not swapped in within 90s: ${JSON.stringify(await building())}`);
      await sleep(50);
    }
    second.child.kill('SIGTERM');
    expect(await exitOf(second.child)).toEqual({ code: 0, signal: null });
    // Every event applied once across the kill, and the new tables (read through the views) equal the clean ones.
    expect((await building()).processed).toBe(total);
    expect(await checksums(pool)).toEqual(before);
  }, 300_000);
});
