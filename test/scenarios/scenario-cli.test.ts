import { runLedger } from '../cli/run-ledger.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXED_HISTORY, recordFixedHistory } from '../fixtures/fixed-history.js';
import { startTestApp } from '../api/test-app.js';

/*
 * `ledger scenario ...` over the fixed history recorded through the API (default definition: no holiday; the
 * waterfall and April SLA figures do not depend on it). The candidate is derived by --mql-threshold 60
 * --sla-working-days 3; its differences with the live views are those of test/api/fixed-history.md section 12.7.
 */

function cli(argv: string[], databaseUrl: string, signal?: AbortSignal) {
  return runLedger(argv, { DATABASE_URL: databaseUrl }, signal);
}

describe('ledger scenario run | list | show | compare | delete', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let dir: string;

  beforeAll(async () => {
    app = await startTestApp({ scenarios: { resumeIntervalMs: 0 } });
    const position = await recordFixedHistory(app.gql, FIXED_HISTORY);
    const settled = await app.gql(`query($p: String) { leads(first: 1, minPosition: $p) { totalCount } }`, { p: position });
    expect(settled.data?.leads.totalCount).toBe(28);
    dir = await mkdtemp(path.join(tmpdir(), 'fl-scenario-cli-'));
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await app?.close();
  });

  it('runs a scenario in the CLI process, compares it with the live views, lists, shows and deletes it', async () => {
    const run = await cli(['scenario', 'run', 'what if 60', '--mql-threshold', '60', '--sla-working-days', '3', '--json'], app.databaseUrl);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const scenario = JSON.parse(run.stdout);
    expect(scenario).toMatchObject({ name: 'what if 60', status: 'COMPLETED', progress: 1, processedEvents: 114, totalEvents: 114, definition: 'default-mql60-sla3@1' });

    const compare = await cli(['scenario', 'compare', scenario.id, '--from', '2025-04-01', '--to', '2025-07-01', '--now', '2025-07-01T00:00:00Z', '--json'], app.databaseUrl);
    expect(compare.code).toBe(0);
    const comparison = JSON.parse(compare.stdout);
    expect(comparison.baseline).toEqual({ scenarioId: null, name: 'live', definition: 'default@1' });
    const metric = (i: number, stage: string, name: string) =>
      comparison.periods[i].stages.find((s: any) => s.stage === stage).metrics.find((m: any) => m.metric === name);
    expect(metric(0, 'mql', 'entered')).toEqual({ metric: 'entered', baseline: 11, candidate: 13, difference: 2 });
    expect(metric(2, 'responder', 'open')).toEqual({ metric: 'open', baseline: 2, candidate: 1, difference: -1 });
    const aprilSla = comparison.periods[0].sla.find((m: any) => m.metric === 'compliance');
    expect(aprilSla.difference).toBeCloseTo(-3 / 9, 6);

    // The readable table: aligned columns, one line per (period, stage, metric) and SLA metric.
    const table = await cli(['scenario', 'compare', scenario.id, '--from', '2025-04-01', '--to', '2025-07-01', '--now', '2025-07-01T00:00:00Z'], app.databaseUrl);
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toBe('baseline:  live (default@1)');
    const header = lines.find((l) => l.startsWith('period'))!;
    expect(header.split(/\s+/)).toEqual(['period', 'stage', 'metric', 'baseline', 'candidate', 'difference']);
    const row = lines.find((l) => /^2025-04-01\s+mql\s+entered\s/.test(l))!;
    expect(row.split(/\s+/)).toEqual(['2025-04-01', 'mql', 'entered', '11', '13', '+2']);
    expect(row.length).toBe(header.length);
    expect(lines.filter((l) => l.startsWith('2025-')).length).toBe(3 * (5 * 10 + 5));

    const list = await cli(['scenario', 'list', '--json'], app.databaseUrl);
    expect(JSON.parse(list.stdout).map((s: any) => [s.id, s.status])).toEqual([[scenario.id, 'COMPLETED']]);
    const show = await cli(['scenario', 'show', scenario.id], app.databaseUrl);
    expect(show.stdout).toContain(`id:              ${scenario.id}`);

    expect((await cli(['scenario', 'delete', scenario.id], app.databaseUrl)).code).toBe(0);
    const again = await cli(['scenario', 'delete', scenario.id], app.databaseUrl);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('does not exist');
    expect((await cli(['scenario', 'show', scenario.id], app.databaseUrl)).code).toBe(3);
  });

  it('refuses an invalid definition file with exit code 2 and each problem with its path; bad usage with 2', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ name: 'bad', version: 1, stages: [{ key: 'Not Valid', enteredBy: [] }] }));
    const invalid = await cli(['scenario', 'run', 'bad', '--definition', file], app.databaseUrl);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/stages\[0\]\.key/);
    expect((await cli(['scenario', 'run', 'x'], app.databaseUrl)).code).toBe(2);
    expect((await cli(['scenario', 'run', 'x', '--definition', path.join(dir, 'missing.json')], app.databaseUrl)).code).toBe(3);
    expect((await cli(['scenario', 'compare', 'nosuch', '--from', '2025-04-01', '--to', '2025-07-01'], app.databaseUrl)).code).toBe(3);
    expect(JSON.parse((await cli(['scenario', 'list', '--json'], app.databaseUrl)).stdout)).toEqual([]);
  });

  it('Ctrl-C cancels the replay: exit 130, the scenario CANCELLED', async () => {
    const controller = new AbortController();
    controller.abort(); // interrupted before its first batch
    const run = await cli(['scenario', 'run', 'interrupted', '--mql-threshold', '60', '--json'], app.databaseUrl, controller.signal);
    expect(run.code).toBe(130);
    const [cancelled] = JSON.parse((await cli(['scenario', 'list', '--json'], app.databaseUrl)).stdout);
    expect(cancelled).toMatchObject({ name: 'interrupted', status: 'CANCELLED' });
  });
});
