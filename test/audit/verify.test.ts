import { runLedger } from '../cli/run-ledger.js';
import pg from 'pg';
import { canonicalEvent, eventHash } from '../../libs/event-store/src/canonical-json.js';
import { PostgresEventStore } from '../../libs/event-store/src/postgres-event-store.js';
import { recordHandedOffLead, startTestApp } from '../api/test-app.js';

/*
 * verifyLead / verifyLedger over GraphQL and `ledger verify`: a clean ledger verifies; after an event is changed
 * (and another one removed) behind the append-only triggers, as a superuser would, both report the first broken
 * link, and an untouched lead still verifies.
 */

const VERIFICATION = 'ok streamsChecked eventsChecked firstBrokenLink { streamId revision eventId expectedHash storedHash reason message }';
const VERIFY_LEAD = `query($id: ID!) { verifyLead(id: $id) { ${VERIFICATION} } }`;
const VERIFY_LEDGER = `{ verifyLedger { ${VERIFICATION} } }`;

/** Runs the CLI in this process against `databaseUrl`, its output captured. */
function cli(argv: string[], databaseUrl: string, signal?: AbortSignal) {
  return runLedger(argv, { DATABASE_URL: databaseUrl }, signal);
}

describe('verifyLead, verifyLedger and `ledger verify`', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let admin: pg.Client;
  let pool: pg.Pool;
  let store: PostgresEventStore;
  /** Streams other than the three leads (e.g. the funnel definitions stream) and their events, counted before tampering. */
  let baseline: { streams: number; events: number };

  beforeAll(async () => {
    app = await startTestApp();
    for (const lead of ['audit-a', 'audit-b', 'audit-c']) await recordHandedOffLead(app.gql, lead);
    admin = new pg.Client({ connectionString: app.databaseUrl }); // the test server's superuser
    await admin.connect();
    pool = new pg.Pool({ connectionString: app.databaseUrl, max: 2 });
    store = new PostgresEventStore(pool);
    const { rows } = await admin.query<{ streams: number; events: number }>(
      `SELECT count(DISTINCT stream_id)::int AS streams, count(*)::int AS events FROM events WHERE stream_id NOT LIKE 'audit-%'`,
    );
    baseline = rows[0]!;
  });
  afterAll(async () => {
    await store?.close();
    await pool?.end();
    await admin?.end();
    await app?.close();
  });

  /** Changes the ledger as a superuser would: with the append-only triggers off for this transaction. */
  async function tamper(sql: string): Promise<void> {
    await admin.query('BEGIN');
    await admin.query('SET LOCAL session_replication_role = replica');
    const { rowCount } = await admin.query(sql);
    expect(rowCount).toBe(1);
    await admin.query('COMMIT');
  }

  it('a clean ledger verifies, as a whole and lead by lead; an unknown lead is NOT_FOUND', async () => {
    const ledger = await app.gql(VERIFY_LEDGER);
    expect(ledger.data!.verifyLedger).toEqual({ ok: true, streamsChecked: baseline.streams + 3, eventsChecked: baseline.events + 9, firstBrokenLink: null });
    const lead = await app.gql(VERIFY_LEAD, { id: 'audit-b' });
    expect(lead.data!.verifyLead).toEqual({ ok: true, streamsChecked: 1, eventsChecked: 3, firstBrokenLink: null });
    const unknown = await app.gql(VERIFY_LEAD, { id: 'no-such-lead' });
    expect(unknown.data).toBeNull();
    expect(unknown.errors![0]).toMatchObject({ message: 'Lead no-such-lead does not exist', extensions: { code: 'NOT_FOUND' } });

    const text = await cli(['verify'], app.databaseUrl);
    expect([text.code, text.stdout]).toEqual([0, `Ledger intact: ${baseline.events + 9} events in ${baseline.streams + 3} streams verified.\n`]);
    const one = await cli(['verify', '--lead', 'audit-b', '--json'], app.databaseUrl);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toEqual({ ok: true, streamsChecked: 1, eventsChecked: 3, firstBrokenLink: null });
    const missing = await cli(['verify', '--lead', 'no-such-lead'], app.databaseUrl);
    expect([missing.code, missing.stdout, missing.stderr]).toEqual([3, '', 'ledger verify: no lead "no-such-lead" in the ledger\n']);
    // Ctrl-C (the context's signal) stops a whole-ledger check between batches: exit 130, no verdict printed.
    const interrupted = await cli(['verify'], app.databaseUrl, AbortSignal.abort());
    expect([interrupted.code, interrupted.stdout, interrupted.stderr]).toEqual([130, '', 'ledger verify: verification interrupted: nothing was concluded\n']);
  });

  it('after an event was changed, both report the first broken link; a different lead still verifies', async () => {
    const original = await store.readStream('audit-b');
    await tamper(`UPDATE events SET data = jsonb_set(data, '{total}', '99') WHERE stream_id = 'audit-b' AND revision = 2`);
    const edited = (await store.readStream('audit-b'))[1]!;
    expect(edited.data).toMatchObject({ total: 99 });
    const expectedHash = eventHash(original[0]!.hash, canonicalEvent(edited));
    expect(expectedHash).not.toBe(original[1]!.hash);
    const brokenLink = {
      streamId: 'audit-b',
      revision: 2,
      eventId: original[1]!.eventId,
      expectedHash,
      storedHash: original[1]!.hash,
      reason: 'HASH_MISMATCH',
      message: "stream audit-b revision 2: the stored hash does not match the event's content and chain",
    };

    // verifyLedger stops at the first broken link in stream order (the database's collation, as the verifier pages):
    // the streams before audit-b (audit-a, and the definitions stream if it sorts first), then audit-b's first two.
    const { rows } = await admin.query<{ streams: number; events: number }>(
      `SELECT count(DISTINCT stream_id)::int AS streams, count(*)::int AS events FROM events WHERE stream_id < 'audit-b'`,
    );
    const before = { streams: rows[0]!.streams + 1, events: rows[0]!.events + 2 };
    expect(before.events).toBeGreaterThanOrEqual(5); // audit-a's 3 events at least
    const ledger = await app.gql(VERIFY_LEDGER);
    expect(ledger.data!.verifyLedger).toEqual({ ok: false, streamsChecked: before.streams, eventsChecked: before.events, firstBrokenLink: brokenLink });
    const lead = await app.gql(VERIFY_LEAD, { id: 'audit-b' });
    expect(lead.data!.verifyLead).toEqual({ ok: false, streamsChecked: 1, eventsChecked: 2, firstBrokenLink: brokenLink });
    for (const other of ['audit-a', 'audit-c']) {
      expect((await app.gql(VERIFY_LEAD, { id: other })).data!.verifyLead).toEqual({ ok: true, streamsChecked: 1, eventsChecked: 3, firstBrokenLink: null });
    }

    const text = await cli(['verify'], app.databaseUrl);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe(
      [
        "Ledger BROKEN: stream audit-b revision 2: the stored hash does not match the event's content and chain",
        '  stream    audit-b',
        '  revision  2',
        '  reason    HASH_MISMATCH',
        `  event     ${original[1]!.eventId}`,
        `  expected  ${expectedHash}`,
        `  stored    ${original[1]!.hash}`,
        `Checked ${before.events} events in ${before.streams} streams up to the broken link.`,
        '',
      ].join('\n'),
    );
    const json = await cli(['verify', '--json'], app.databaseUrl);
    expect([json.code, JSON.parse(json.stdout).firstBrokenLink]).toEqual([1, brokenLink]);
    expect((await cli(['verify', '--lead', 'audit-c'], app.databaseUrl)).code).toBe(0);
  });

  it('a removed last event is a missing revision without an event id', async () => {
    await tamper(`DELETE FROM events WHERE stream_id = 'audit-c' AND revision = 3`);
    const lead = await app.gql(VERIFY_LEAD, { id: 'audit-c' });
    expect(lead.data!.verifyLead).toEqual({
      ok: false,
      streamsChecked: 1,
      eventsChecked: 2,
      firstBrokenLink: expect.objectContaining({
        streamId: 'audit-c',
        revision: 3,
        eventId: null,
        reason: 'MISSING_REVISION',
        message: 'stream audit-c is at revision 3 but its events end at revision 2',
      }),
    });
    const cliResult = await cli(['verify', '--lead', 'audit-c'], app.databaseUrl);
    expect(cliResult.code).toBe(1);
    expect(cliResult.stdout).toContain('  event     (missing)\n');
    expect((await app.gql(VERIFY_LEAD, { id: 'audit-a' })).data!.verifyLead.ok).toBe(true);
  });
});
