import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { TIMELINE_QUERY } from '../api/graphql-client.js';
import { startTestApp } from '../api/test-app.js';
import { testDatabaseKind } from '../support/database.js';
import { ledger } from './cli.js';

const line = (leadId: string, type: string, occurredAt: string, data: Record<string, unknown> = {}) => JSON.stringify({ leadId, type, occurredAt, data });

/*
 * good-1: captured, scored, handed off, accepted, won (lines given out of date order: the import sorts per lead).
 * good-2: sales-sourced, accepted directly, lost.       good-3: captured only (a date without an offset: read in Europe/Paris).
 * Lines 1-9 are good-1 (1-5), good-2 (6-8) and good-3 (9). Then:
 * bad-type (line 10): an unknown event type.           bad-order (lines 11-13): Won dated before the Accepted it needs.
 * bad-field (lines 14-16): Won without amount.         bad-json (line 17): not JSON (names no lead).
 * bad-extra (line 18): a field capture does not have.  bad-first (line 19): a lead whose only event is an Accepted.
 */
const FILE = [
  line('good-1', 'Won', '2026-02-10T10:00:00Z', { amount: 1200, currency: 'EUR' }),
  line('good-1', 'ResponderCaptured', '2026-01-05T09:00:00Z', { channel: 'web form', origin: 'MARKETING', campaign: 'spring' }),
  line('good-1', 'LeadScored', '2026-01-06T09:00:00Z', { budget: 20, authority: 20, need: 20, timeframe: 10, trust: 10 }),
  line('good-1', 'HandedOff', '2026-01-07T09:00:00Z', { ownerId: 'sam' }),
  line('good-1', 'Accepted', '2026-01-08T09:00:00Z', { by: 'sam' }),
  line('good-2', 'ResponderCaptured', '2026-01-10T09:00:00Z', { channel: 'field sales', origin: 'SALES' }) + '\n' +
    line('good-2', 'Accepted', '2026-01-11T09:00:00Z', { by: 'ann' }),
  line('good-2', 'Lost', '2026-01-20T09:00:00Z', { reason: 'budget' }),
  line('good-3', 'ResponderCaptured', '2026-01-12 08:30', { channel: 'trade show', origin: 'MARKETING' }),
  line('bad-type', 'Captured', '2026-01-05T09:00:00Z', { channel: 'web' }),
  line('bad-order', 'ResponderCaptured', '2026-01-05T09:00:00Z', { channel: 'web', origin: 'SALES' }) + '\n' +
    line('bad-order', 'Accepted', '2026-02-01T09:00:00Z', { by: 'ann' }) + '\n' +
    line('bad-order', 'Won', '2026-01-20T09:00:00Z', { amount: 10 }),
  line('bad-field', 'ResponderCaptured', '2026-01-05T09:00:00Z', { channel: 'web', origin: 'SALES' }) + '\n' +
    line('bad-field', 'Accepted', '2026-01-06T09:00:00Z', { by: 'ann' }) + '\n' +
    line('bad-field', 'Won', '2026-01-07T09:00:00Z', { currency: 'EUR' }),
  '{"leadId": "bad-json", "type": ',
  line('bad-extra', 'ResponderCaptured', '2026-01-05T09:00:00Z', { channel: 'web', origin: 'MARKETING', colour: 'red' }),
  line('bad-first', 'Accepted', '2026-01-05T09:00:00Z', { by: 'ann' }),
  '',
].join('\n');

const IMPORT_MUTATION = `mutation($input: ImportEventsInput!) { importEvents(input: $input) {
  dryRun leadsImported leadsSkipped leadsRejected eventsImported eventsSkipped position warnings
  rejected { leadId rows problems { row field reason } }
} }`;

describe(`ledger import of NDJSON, and the importEvents mutation, on ${testDatabaseKind()} PostgreSQL`, () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let pool: pg.Pool;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fl-import-ndjson-'));
  const file = path.join(dir, 'history.ndjson');

  beforeAll(async () => {
    app = await startTestApp();
    pool = new pg.Pool({ connectionString: app.databaseUrl, max: 2 });
    writeFileSync(file, FILE);
  });
  afterAll(async () => {
    await pool?.end();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const eventCount = async () => Number((await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM events')).rows[0]!.n);

  it('imports every good lead and reports each bad one with its rows, field and reason (also in the report file beside the input)', async () => {
    const run = await ledger(app.databaseUrl, ['import', file, '--time-zone', 'Europe/Paris', '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.leads).toEqual({ imported: 3, skipped: 0, rejected: 5 });
    expect(report.events).toEqual({ imported: 9, skipped: 0 });
    expect(report.rowsWithoutLead).toBe(1);
    const byLead = Object.fromEntries(report.rejected.map((r: { leadId: string | null }) => [r.leadId ?? '(none)', r]));
    expect(byLead['bad-type']).toEqual({ leadId: 'bad-type', rows: [10], problems: [{ row: 10, field: 'type', reason: expect.stringMatching(/unknown event type "Captured"/) }] });
    expect(byLead['bad-order'].rows).toEqual([11, 12, 13]);
    expect(byLead['bad-order'].problems).toEqual([
      { row: 13, field: 'type', reason: expect.stringMatching(/can be marked won only from accepted.*row 13, Won at 2026-01-20T09:00:00.000Z, is dated before row 12, Accepted at 2026-02-01T09:00:00.000Z.*dates out of order/) },
    ]);
    expect(byLead['bad-field'].problems).toEqual([{ row: 16, field: 'amount', reason: expect.stringMatching(/amount is required/) }]);
    expect(byLead['(none)']).toEqual({ leadId: null, rows: [17], problems: [{ row: 17, field: 'line', reason: expect.stringMatching(/not valid JSON/) }] });
    expect(byLead['bad-extra'].problems).toEqual([{ row: 18, field: 'data.colour', reason: expect.stringMatching(/colour is not a field of ResponderCaptured/) }]);
    expect(byLead['bad-first'].problems).toEqual([{ row: 19, field: 'type', reason: expect.stringMatching(/first event must be ResponderCaptured/) }]);
    expect(JSON.parse(readFileSync(`${file}.import-report.json`, 'utf8')).rejected).toEqual(report.rejected);

    // Nothing of a rejected lead was written; the good ones are whole, sorted by date, recorded as imports.
    const { rows } = await pool.query<{ stream_id: string; n: string }>('SELECT stream_id, count(*)::text AS n FROM events GROUP BY 1 ORDER BY 1');
    expect(rows).toEqual([
      { stream_id: 'good-1', n: '5' },
      { stream_id: 'good-2', n: '3' },
      { stream_id: 'good-3', n: '1' },
    ]);
    const timeline = await app.gql(TIMELINE_QUERY, { id: 'good-1' });
    expect(timeline.data!.lead.status).toBe('WON');
    expect(timeline.data!.lead.timeline.map((e: { type: string }) => e.type)).toEqual(['ResponderCaptured', 'LeadScored', 'HandedOff', 'Accepted', 'Won']);
    expect(timeline.data!.lead.timeline[0].actor).toEqual({ type: 'import', id: 'ndjson:history.ndjson' });
    // 08:30 in Paris in January is 07:30 UTC.
    const good3 = await app.gql(TIMELINE_QUERY, { id: 'good-3' });
    expect(good3.data!.lead.timeline[0].occurredAt).toBe('2026-01-12T07:30:00.000Z');
  }, 120_000);

  it('leaves the event count unchanged when the same file is imported again', async () => {
    const before = await eventCount();
    const run = await ledger(app.databaseUrl, ['import', file, '--time-zone', 'Europe/Paris', '--json']);
    const report = JSON.parse(run.stdout);
    expect(report.leads).toEqual({ imported: 0, skipped: 3, rejected: 5 });
    expect(report.events).toEqual({ imported: 0, skipped: 9 });
    expect(await eventCount()).toBe(before);
  }, 120_000);

  it('the mutation imports a small batch with the same ids as the file: what the file brought is skipped, a new lead is added', async () => {
    const before = await eventCount();
    const events = [
      { leadId: 'good-2', type: 'ResponderCaptured', occurredAt: '2026-01-10T09:00:00Z', data: { channel: 'field sales', origin: 'SALES' } },
      { leadId: 'good-2', type: 'Accepted', occurredAt: '2026-01-11T09:00:00Z', data: { by: 'ann' } },
      { leadId: 'good-2', type: 'Lost', occurredAt: '2026-01-20T09:00:00Z', data: { reason: 'budget' } },
      { leadId: 'api-1', type: 'ResponderCaptured', occurredAt: '2026-03-01T09:00:00Z', data: { channel: 'web form', origin: 'MARKETING' } },
      { leadId: 'api-1', type: 'Recycled', occurredAt: '2026-03-02T09:00:00Z', data: { reason: 'timing' } },
      { leadId: 'api-2', type: 'Won', occurredAt: '2026-03-02T09:00:00Z', data: { amount: 5 } },
    ];
    const dry = await app.gql(IMPORT_MUTATION, { input: { events, dryRun: true } }, { 'x-actor-id': 'crm-sync' });
    expect(dry.errors).toBeUndefined();
    expect(dry.data!.importEvents).toMatchObject({ dryRun: true, leadsImported: 1, leadsSkipped: 1, leadsRejected: 1, eventsImported: 2, position: null });
    expect(await eventCount()).toBe(before);

    const result = await app.gql(IMPORT_MUTATION, { input: { events } }, { 'x-actor-id': 'crm-sync' });
    expect(result.errors).toBeUndefined();
    expect(result.data!.importEvents).toMatchObject({ dryRun: false, leadsImported: 1, leadsSkipped: 1, leadsRejected: 1, eventsImported: 2, eventsSkipped: 3 });
    expect(result.data!.importEvents.rejected).toEqual([{ leadId: 'api-2', rows: [6], problems: [{ row: 6, field: 'type', reason: expect.stringMatching(/first event must be ResponderCaptured/) }] }]);
    expect(await eventCount()).toBe(before + 2);
    const again = await app.gql(IMPORT_MUTATION, { input: { events } });
    expect(again.data!.importEvents).toMatchObject({ leadsImported: 0, leadsSkipped: 2, eventsImported: 0 });
    expect(await eventCount()).toBe(before + 2);
    const timeline = await app.gql(TIMELINE_QUERY, { id: 'api-1' });
    expect(timeline.data!.lead.timeline[0].actor).toEqual({ type: 'import', id: 'crm-sync' });

    const empty = await app.gql(IMPORT_MUTATION, { input: { events: [] } });
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'events' });
    const badZone = await app.gql(IMPORT_MUTATION, { input: { events, timeZone: 'Mars/Olympus' } });
    expect(badZone.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'timeZone' });
  }, 120_000);

  it('extends a lead with the events a newer export adds, and rejects a lead whose stored history it does not start with', async () => {
    const events = [
      { leadId: 'api-1', type: 'ResponderCaptured', occurredAt: '2026-03-01T09:00:00Z', data: { channel: 'web form', origin: 'MARKETING' } },
      { leadId: 'api-1', type: 'Recycled', occurredAt: '2026-03-02T09:00:00Z', data: { reason: 'timing' } },
      { leadId: 'api-1', type: 'HandedOff', occurredAt: '2026-03-05T09:00:00Z', data: { ownerId: 'sam' } },
      { leadId: 'good-3', type: 'ResponderCaptured', occurredAt: '2026-01-12T09:30:00Z', data: { channel: 'trade show', origin: 'MARKETING' } },
    ];
    const result = await app.gql(IMPORT_MUTATION, { input: { events } });
    expect(result.errors).toBeUndefined();
    expect(result.data!.importEvents).toMatchObject({ leadsImported: 1, eventsImported: 1, leadsRejected: 1 });
    expect(result.data!.importEvents.rejected[0]).toMatchObject({ leadId: 'good-3', problems: [{ field: 'leadId', reason: expect.stringMatching(/already has 1 event/) }] });
    const timeline = await app.gql(TIMELINE_QUERY, { id: 'api-1' });
    expect(timeline.data!.lead.timeline.map((e: { type: string; revision: number }) => [e.type, e.revision])).toEqual([
      ['ResponderCaptured', 1],
      ['Recycled', 2],
      ['HandedOff', 3],
    ]);
  }, 120_000);

  it('answers usage problems with exit code 2 and writes nothing', async () => {
    const before = await eventCount();
    const cases: [string[], RegExp][] = [
      [['import', file, '--preset', 'hubspot'], /unknown preset "hubspot"/],
      [['import', file, '--time-zone', 'Mars/Olympus'], /unknown time zone/],
      [['import', file, '--encoding', 'ebcdic'], /unknown encoding/],
      [['import', path.join(dir, 'missing.ndjson')], /no such file/],
      [['import'], /exactly one file/],
    ];
    for (const [args, message] of cases) {
      const run = await ledger(app.databaseUrl, args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(message);
    }
    const latin = path.join(dir, 'latin.ndjson');
    writeFileSync(latin, Buffer.from(`${line('caf\u00e9', 'ResponderCaptured', '2026-01-01', { channel: 'salon', origin: 'MARKETING' })}\n`, 'latin1'));
    const notUtf8 = await ledger(app.databaseUrl, ['import', latin]);
    expect(notUtf8.code).toBe(2);
    expect(notUtf8.stderr).toMatch(/not valid UTF-8.*--encoding windows-1252/);
    expect(await eventCount()).toBe(before);
    const decoded = await ledger(app.databaseUrl, ['import', latin, '--encoding', 'windows-1252', '--json']);
    expect(decoded.code).toBe(0);
    expect(JSON.parse(decoded.stdout).leads.imported).toBe(1);
    const { rows } = await pool.query(`SELECT 1 FROM events WHERE stream_id = 'caf\u00e9'`);
    expect(rows).toHaveLength(1);
  }, 120_000);
});
