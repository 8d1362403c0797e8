import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runLedger } from '../cli/run-ledger.js';
import { PostgresEventStore } from '../../libs/event-store/src/postgres-event-store.js';
import { appendHistories, leadHistories } from '../projections/blue-green-helpers.js';
import { storeKind } from '../projections/helpers.js';
import { appendLead } from '../read-models/helpers.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { docOf, mql60Definition } from './helpers.js';
import { event } from '../../libs/domain/src/lead/lead.test-kit.js';

/** `ledger definition ...` and `ledger rebuild`, run in-process (runCli) on a test database with no API or worker. */

describe(`ledger definition / rebuild on ${storeKind} PostgreSQL`, () => {
  let database: TestDatabase;
  let dir: string;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'ledger-cli-'));
    pool = new pg.Pool({ connectionString: database.url, max: 3 });
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs `ledger <argv>`; its exit code and what the command printed on stdout and stderr. */
  async function ledger(...argv: string[]) {
    const run = await runLedger(argv, { DATABASE_URL: database.url });
    return { code: run.code, out: run.stdout, err: run.stderr };
  }


  async function file(name: string, content: unknown): Promise<string> {
    const target = path.join(dir, name);
    await writeFile(target, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return target;
  }

  it('publish: invalid documents print each path (exit 2), unreadable input is refused, a conflict exits 4, a re-publish records nothing', async () => {
    const bad = docOf(mql60Definition());
    bad.stages[1].enteredBy[0].event = 'LeadScore';
    bad.sla.businessHours = { start: '18:00', end: '09:00' };
    const invalid = await ledger('definition', 'publish', await file('bad.json', bad));
    expect(invalid.code).toBe(2);
    expect(invalid.err).toContain('invalid funnel definition (2 problems)');
    expect(invalid.err).toMatch(/^ {2}stages\[1\]\.enteredBy\[0\]\.event: /m);
    expect(invalid.err).toMatch(/^ {2}sla\.businessHours(\.end)?: /m);
    expect((await ledger('definition', 'publish', await file('broken.json', '{ "name": '))).code).toBe(2);
    expect((await ledger('definition', 'publish', path.join(dir, 'missing.json'))).code).toBe(3);
    expect((await ledger('definition', 'publish')).code).toBe(2);

    const good = await file('mql60.json', docOf(mql60Definition()));
    const published = await ledger('definition', 'publish', good, '--reason', 'Q3 plan', '--actor', 'dana');
    expect(published).toMatchObject({ code: 0, out: expect.stringContaining('Published mql60@1 (PUBLISHED)') });
    const again = await ledger('definition', 'publish', good, '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ reference: 'mql60@1', appended: false, publishedBy: { type: 'user', id: 'dana' }, reason: 'Q3 plan' });
    const conflict = await ledger('definition', 'publish', await file('changed.json', { ...docOf(mql60Definition()), description: 'other' }));
    expect(conflict.code).toBe(4);
    expect(conflict.err).toContain('mql60@1 is already published with a different document');

    const list = await ledger('definition', 'list');
    expect(list.code).toBe(0);
    const lines = list.out.trim().split('\n');
    expect(lines[0]).toMatch(/^DEFINITION\s+STATUS\s+PUBLISHED\s+LAST ACTIVATED\s+REASON$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/).slice(0, 2))).toEqual([
      ['default@1', 'ACTIVE'],
      ['mql60@1', 'PUBLISHED'],
    ]);
    expect(lines[2]).toContain('by dana');
    expect(lines[2]).toContain('Q3 plan');
  });

  it('activate --wait: with no API or worker running, builds the views under the definition itself and exits once they are live; rebuild keeps the definition', async () => {
    const store = await PostgresEventStore.connect(database.url, { log: () => {}, poolSize: 2 });
    try {
      await appendHistories(store, leadHistories(60, 'cli', 71));
      await appendLead(store, 'cli-65', [
        event('ResponderCaptured', { channel: 'web', campaign: null, origin: 'MARKETING', account: null, contact: null, attributes: {}, estimatedValue: null }, new Date('2026-02-02T10:00:00Z')),
        event('LeadScored', { budget: 15, authority: 15, need: 15, timeframe: 10, trust: 10, total: 65, model: null }, new Date('2026-02-03T10:00:00Z')),
      ]);
    } finally {
      await store.close();
    }
    expect((await ledger('definition', 'activate', 'mql60')).code).toBe(2);
    const unknown = await ledger('definition', 'activate', 'nope@1');
    expect(unknown.code).toBe(3);
    expect(unknown.err).toContain('nope@1 does not exist');

    const activated = await ledger('definition', 'activate', 'mql60@1', '--wait', '--reason', 'go live', '--actor', 'erin');
    expect(activated.err).not.toContain('failed');
    expect(activated.code).toBe(0);
    expect(activated.out).toContain('Activated mql60@1.');
    expect(activated.out).toContain('mql60@1 is live (lead_funnel version 2).');
    expect(activated.err).toContain('No API or worker is building lead_funnel version 2');
    expect(activated.err).toMatch(/lead_funnel v2 .*events/);

    const { rows: versions } = await pool.query(`SELECT version, state, config->'definition'->>'name' AS name FROM projection_versions WHERE projection = 'lead_funnel' ORDER BY version`);
    expect(versions).toEqual([
      { version: 1, state: 'retired', name: null },
      { version: 2, state: 'active', name: 'mql60' },
    ]);
    const { rows: lead } = await pool.query(`SELECT stage FROM lead_funnel_v2.rm_lead_summary WHERE lead_id = 'cli-65'`);
    expect(lead).toEqual([{ stage: 'mql_60' }]);
    const list = JSON.parse((await ledger('definition', 'list', '--json')).out);
    expect(list.map((d: any) => [d.reference, d.status])).toEqual([
      ['default@1', 'RETIRED'],
      ['mql60@1', 'ACTIVE'],
    ]);
    expect(list[1].activations).toEqual([expect.objectContaining({ activatedBy: { type: 'user', id: 'erin' }, reason: 'go live' })]);
    const again = await ledger('definition', 'activate', 'mql60@1');
    expect(again).toMatchObject({ code: 0, out: expect.stringContaining('already the activated definition: nothing recorded (ACTIVE)') });

    const rebuilt = await ledger('rebuild', '--wait', '--json');
    expect(rebuilt.code).toBe(0);
    expect(JSON.parse(rebuilt.out)).toEqual({ projection: 'lead_funnel', version: 3, schema: 'lead_funnel_v3', definition: 'mql60@1', live: true });
    const { rows: v3 } = await pool.query(`SELECT state FROM projection_versions WHERE projection = 'lead_funnel' AND version = 3`);
    expect(v3).toEqual([{ state: 'active' }]);
    expect((await ledger('rebuild', 'no_such_projection')).code).toBe(3);
  }, 180_000);
});
