import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startTestApp } from '../api/test-app.js';
import { testDatabaseKind } from '../support/database.js';
import { ledger, queryWhenProjected, ROOT } from './cli.js';

// The real export (CI has ../shared beside the clone). Figures computed by hand from the CSV (python csv module):
// 8,800 opportunities: 4,238 Won, 2,473 Lost, 1,589 Engaging, 500 Prospecting (no engage_date, no close_date).
// Imported: 8,300 leads (origin SALES), 23,311 events = 8,300 captures + 8,300 acceptances + 4,238 Won + 2,473 Lost.
// Time to win = close_date - engage_date (both midnight UTC) over the 4,238 won: median 57 days = 4,924,800 s.
// Won by product: GTX Basic 915, MG Special 793, GTXPro (recorded as 'GTX Pro') 729, MG Advanced 654,
// GTX Plus Basic 653, GTX Plus Pro 479, GTK 500 15.
const PIPELINE = path.resolve(ROOT, '../shared/data/maven-crm/sales_pipeline.csv');
const DAY = 86_400;

const SOURCES = `query($dimension: SourceDimension!, $attribute: String, $minPosition: String) {
  sourceComparison(from: "2016-10-01T00:00:00Z", to: "2018-01-01T00:00:00Z", dimension: $dimension, attribute: $attribute, minPosition: $minPosition) {
    key leads reached { stage count } wonValue timeToWin { count median }
  }
}`;

describe(`ledger import --preset maven-crm on ${testDatabaseKind()} PostgreSQL`, () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let pool: pg.Pool;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fl-import-maven-'));
  const reportFile = path.join(dir, 'report.json');

  beforeAll(async () => {
    app = await startTestApp();
    pool = new pg.Pool({ connectionString: app.databaseUrl, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const eventCount = async () => Number((await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM events')).rows[0]!.n);

  it('imports 8,300 opportunities, rejects the 500 undated Prospecting rows with their reason, and the figures match the CSV', async () => {
    expect(existsSync(PIPELINE)).toBe(true);
    const run = await ledger(app.databaseUrl, ['import', PIPELINE, '--preset', 'maven-crm', '--json', '--report', reportFile]);
    expect(run.stderr).not.toMatch(/failed/);
    expect(run.code).toBe(1); // some leads were rejected
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      source: 'maven-crm',
      rows: 8800,
      leads: { imported: 8300, skipped: 0, rejected: 500 },
      events: { imported: 23311, skipped: 0 },
      reportFile,
    });
    expect(JSON.parse(readFileSync(reportFile, 'utf8')).leads).toEqual(report.leads);
    expect(report.rejected).toHaveLength(500);
    for (const lead of report.rejected) {
      expect(lead.rows).toHaveLength(1);
      expect(lead.problems).toEqual([{ row: lead.rows[0], field: 'engage_date', reason: expect.stringMatching(/has no date .*cannot be placed in time/) }]);
    }
    // The first rejected lead is the first Prospecting row of the file (line 8302: header + 8,300 dated rows before it).
    expect(report.rejected[0]).toMatchObject({ leadId: '6CWZFOHJ', rows: [8302] });
    // The traps, each handled and counted.
    expect(report.notes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ note: 'product "GTXPro" recorded as "GTX Pro"', rows: 1480 }),
        expect.objectContaining({ note: 'account is empty: nothing taken from accounts.csv', rows: 1425 }),
      ]),
    );
    expect(report.traps.join('\n')).toMatch(/Prospecting rows have no engage_date/);
    expect(await eventCount()).toBe(23311);

    const byOrigin = await queryWhenProjected(() => app.gql(SOURCES, { dimension: 'ORIGIN', minPosition: report.lastPosition }));
    expect(byOrigin.errors).toBeUndefined();
    expect(byOrigin.data!.sourceComparison).toHaveLength(1);
    const sales = byOrigin.data!.sourceComparison[0];
    expect(sales.key).toBe('SALES');
    expect(sales.leads).toBe(8300);
    expect(sales.reached.find((r: { stage: string }) => r.stage === 'won').count).toBe(4238);
    expect(sales.reached.find((r: { stage: string }) => r.stage === 'sal').count).toBe(8300); // every imported deal was accepted
    expect(sales.timeToWin).toEqual({ count: 4238, median: 57 * DAY });
    expect(sales.timeToWin.median).toBe(4_924_800);

    const byProduct = await app.gql(SOURCES, { dimension: 'ATTRIBUTE', attribute: 'product', minPosition: report.lastPosition });
    expect(byProduct.errors).toBeUndefined();
    const won = Object.fromEntries(
      byProduct.data!.sourceComparison.map((g: { key: string; reached: { stage: string; count: number }[] }) => [g.key, g.reached.find((r) => r.stage === 'won')!.count]),
    );
    expect(won).toEqual({ 'GTX Basic': 915, 'MG Special': 793, 'GTX Pro': 729, 'MG Advanced': 654, 'GTX Plus Basic': 653, 'GTX Plus Pro': 479, 'GTK 500': 15 });
  }, 180_000);

  it('adds nothing when the same file is imported again: every lead is skipped as already present', async () => {
    const before = await eventCount();
    const run = await ledger(app.databaseUrl, ['import', PIPELINE, '--preset', 'maven-crm', '--json', '--report', reportFile]);
    expect(run.code).toBe(1); // the undated rows are still rejected
    const report = JSON.parse(run.stdout);
    expect(report.leads).toEqual({ imported: 0, skipped: 8300, rejected: 500 });
    expect(report.events).toEqual({ imported: 0, skipped: 23311 });
    expect(report.lastPosition).toBeNull();
    expect(await eventCount()).toBe(before);
  }, 180_000);

  it('captures the undated Prospecting rows at the date given with --undated-at, and only those', async () => {
    const run = await ledger(app.databaseUrl, ['import', PIPELINE, '--preset', 'maven-crm', '--undated-at', '2016-10-01', '--json', '--report', reportFile]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.leads).toEqual({ imported: 500, skipped: 8300, rejected: 0 });
    expect(report.events).toEqual({ imported: 500, skipped: 23311 });
    expect(report.notes).toEqual(expect.arrayContaining([expect.objectContaining({ note: 'undated row placed at 2016-10-01T00:00:00.000Z (--undated-at)', rows: 500 })]));
    const { rows } = await pool.query<{ type: string; n: string }>(
      `SELECT type, count(*)::text AS n FROM events WHERE occurred_at = '2016-10-01T00:00:00Z' GROUP BY type`,
    );
    expect(rows).toEqual([{ type: 'ResponderCaptured', n: '500' }]);
    expect(await eventCount()).toBe(23811);
  }, 180_000);
});
