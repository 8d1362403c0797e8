import fc from 'fast-check';
import pg from 'pg';
import type { LeadEvent } from '../../libs/domain/src/index.js';
import { historyOf, randomLeadArb } from '../../libs/domain/src/lead/random-history.test-kit.js';
import type { RecordedEvent } from '../../libs/event-store/src/index.js';
import type { PostgresEventStore } from '../../libs/event-store/src/postgres-event-store.js';
import type { Projection } from '../../libs/projections/src/index.js';
import { ProjectionRunner } from '../../libs/projections/src/projection-runner.js';
import { activeVersionOf, versionTables } from '../../libs/projections/src/versions.js';
import { LeadFunnelProjection } from '../../libs/read-models/src/index.js';
import { appendLead } from '../read-models/helpers.js';

export const PROJECTION = 'lead_funnel';

/** Random valid lead histories (as the read-model property tests), `count` of them, ids prefixed. */
export function leadHistories(count: number, prefix: string, seed: number): { leadId: string; events: LeadEvent[] }[] {
  return fc.sample(randomLeadArb(12), { seed, numRuns: count }).map((lead, i) => {
    const leadId = `${prefix}-${String(i).padStart(4, '0')}`;
    return { leadId, events: historyOf(leadId, lead) };
  });
}

/** Appends each lead's whole history in one append. */
export async function appendHistories(store: PostgresEventStore, leads: { leadId: string; events: LeadEvent[] }[]): Promise<number> {
  let total = 0;
  for (const lead of leads) {
    await appendLead(store, lead.leadId, lead.events);
    total += lead.events.length;
  }
  return total;
}

/**
 * A writer that keeps appending new leads (one append per lead) until stopped; returns how many events it
 * appended. Never two appends at once, so a stop() leaves no append in flight.
 */
export function startWriter(store: PostgresEventStore, prefix: string, seed: number): { stop(): Promise<{ leads: number; events: number }> } {
  const pool = leadHistories(5000, prefix, seed);
  let stopped = false;
  let leads = 0;
  let events = 0;
  const done = (async () => {
    while (!stopped && leads < pool.length) {
      const lead = pool[leads]!;
      await appendLead(store, lead.leadId, lead.events);
      leads++;
      events += lead.events.length;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return { leads, events };
    },
  };
}

/** Ordered checksum of every table of a schema (rows ordered by their text form: each table has a primary key). */
export async function schemaChecksums(pool: pg.Pool, schema: string): Promise<Record<string, { rows: number; md5: string | null }>> {
  const out: Record<string, { rows: number; md5: string | null }> = {};
  for (const table of await versionTables(pool, schema)) {
    const { rows } = await pool.query(`SELECT count(*)::int AS rows, md5(string_agg(t::text, '|' ORDER BY t::text)) AS md5 FROM "${schema}"."${table}" t`);
    out[table] = rows[0];
  }
  return out;
}

/** The same checksums, read through the public views (what readers see). */
export async function viewChecksums(pool: pg.Pool, tables: string[]): Promise<Record<string, { rows: number; md5: string | null }>> {
  const out: Record<string, { rows: number; md5: string | null }> = {};
  for (const table of tables) {
    const { rows } = await pool.query(`SELECT count(*)::int AS rows, md5(string_agg(t::text, '|' ORDER BY t::text)) AS md5 FROM public."${table}" t`);
    out[table] = rows[0];
  }
  return out;
}

/**
 * A from-scratch projection of the whole feed into a scratch schema shaped like the active version (same
 * runner, no swap, no concurrent writes): the reference a rebuild must equal.
 */
export async function fromScratch(pool: pg.Pool, schema: string): Promise<Record<string, { rows: number; md5: string | null }>> {
  const active = await activeVersionOf(pool, PROJECTION);
  await pool.query(`CREATE SCHEMA "${schema}"`);
  for (const table of await versionTables(pool, active!.schema)) {
    await pool.query(`CREATE TABLE "${schema}"."${table}" (LIKE "${active!.schema}"."${table}" INCLUDING ALL)`);
  }
  const runner = new ProjectionRunner(pool, new LeadFunnelProjection(), { version: { checkpoint: `${schema}@ref`, schema }, log: () => {} });
  const result = await runner.catchUp();
  if (!result.caughtUp || result.state !== 'running') throw new Error(`reference projection did not catch up: ${JSON.stringify(result)}`);
  return schemaChecksums(pool, schema);
}

/**
 * The marker instance: a LeadFunnelProjection that prefixes every lead id with `v2:`, so the new version's rows
 * are told apart from the old version's in every table. `failOn` makes an event poison.
 */
export function markedProjection(options: { failOn?: (event: RecordedEvent) => boolean } = {}): Projection {
  const inner = new LeadFunnelProjection();
  return {
    name: PROJECTION,
    batchSize: 200,
    async apply(tx, events) {
      const poison = options.failOn ? events.find(options.failOn) : undefined;
      if (poison) throw new Error(`poison event ${poison.eventId}`);
      await inner.apply(
        tx,
        events.map((e) => ({ ...e, streamId: `v2:${e.streamId}` })),
      );
    },
  };
}

/** Registry rows of the projection, as [version, state, dropped]. */
export async function registry(pool: pg.Pool): Promise<[number, string, boolean][]> {
  const { rows } = await pool.query(
    `SELECT version, state, dropped_at IS NOT NULL AS dropped FROM projection_versions WHERE projection = $1 ORDER BY version`,
    [PROJECTION],
  );
  return rows.map((r) => [r.version, r.state, r.dropped]);
}

export async function schemaExists(pool: pg.Pool, schema: string): Promise<boolean> {
  const { rows } = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return rows.length === 1;
}
