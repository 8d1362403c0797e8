import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_FUNNEL_DEFINITION, withMqlThreshold } from '../libs/domain/src/index.js';
import { feedReader } from '../libs/event-store/src/feed.js';
import pg from 'pg';
import { beginRebuild } from '../libs/projections/src/versions.js';
import { WORKER_NODE_FLAGS } from '../apps/worker/src/node-flags.js';
import { startApiProcess } from './api-process.js';
import { connectClient } from './db.js';
import { percentile } from './measure.js';
import { seedSyntheticHistory, type SeedResult } from './seed-history.js';

/**
 * The read side at scale (issue 3): on a fresh database, a seeded synthetic history of N leads (bench/
 * synthetic-history.ts) is loaded, then
 * 1. baseline: one pass that only reads the whole feed (the guarded feed query the runner uses, rows turned
 *    into events, 1,000 per batch) in this process;
 * 2. rebuild: what `rebuildProjection` does: a blue/green build of every versioned projection's next version from
 *    the start of the feed by the standalone worker (dist/apps/worker, started first and leading its live
 *    versions), indexed and swapped in; its rate (events / wall time from beginRebuild until every new version is
 *    live) beside the baseline's, and its peak RSS
 *    (VmHWM of the worker process, sampled from /proc);
 * 3. queries: the real API in its own process (dist/apps/api with API_NODE_FLAGS, projections off, as production
 *    runs it) answers each report query `runs` times over GraphQL (after warm-up); p50 / p95 / max latency per query.
 * 4. scenario (issue 4): a fresh API process replays the whole history under the default definition with an MQL at
 *    60 into isolated tables (`runScenario`, polled until COMPLETED; the runner and projection the worker uses); its
 *    rate beside the rebuild's and the read-only pass's, then `compareScenarios` (live vs the scenario, 12
 *    months by MONTH) timed like the report queries.
 */
export interface ReadBenchOptions {
  leads: number;
  seed: number;
  runs: number;
  warmup: number;
  log: (message: string) => void;
}

export interface QueryLatency {
  name: string;
  runs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Size of one answer (JSON bytes), to show the query did real work. */
  responseBytes: number;
}

export interface ReadBenchResult {
  leads: number;
  events: number;
  seed: SeedResult;
  readOnly: { seconds: number; eventsPerSecond: number };
  rebuild: { seconds: number; eventsPerSecond: number; ratioToReadOnly: number; workerPeakRssMb: number; workerRssSamplesMb: number[] };
  readModelRows: Record<string, number>;
  queries: QueryLatency[];
  /** The scenario replay (MQL at 60): events / replay seconds; registration (empty tables, count of the events) apart. */
  scenario: { seconds: number; createSeconds: number; eventsPerSecond: number; ratioToRebuild: number; ratioToReadOnly: number; compare: QueryLatency };
}

/** History window: three years of captures; the report queries look at the last twelve months. */
export const HISTORY_START = new Date('2023-01-01T00:00:00Z');
export const HISTORY_END = new Date('2026-01-01T00:00:00Z');
const REPORT_FROM = '2025-01-01T00:00:00Z';
const REPORT_TO = '2026-01-01T00:00:00Z';

const STATS = 'count median mean p90';
export const REPORT_QUERIES: { name: string; query: string }[] = [
  {
    name: 'waterfall (12 months, MONTH)',
    query: `{ waterfall(from: "${REPORT_FROM}", to: "${REPORT_TO}", granularity: MONTH) { periods { start end stages {
      stage entered advanced recycled rejected lost open enteredValue advancedValue leakedValue recycledValue
      conversion leakage recycling velocity { ${STATS} } exitedAdvanced exitedRecycled exitedRejected exitedLost } } } }`,
  },
  {
    name: 'funnelCohorts (12 months, MONTH)',
    query: `{ funnelCohorts(from: "${REPORT_FROM}", to: "${REPORT_TO}", granularity: MONTH) { start end leads reached { stage count conversionToNext } } }`,
  },
  {
    name: 'slaCompliance (12 months, MONTH by OWNER)',
    query: `{ slaCompliance(from: "${REPORT_FROM}", to: "${REPORT_TO}", granularity: MONTH, groupBy: OWNER) {
      periods { start end groups { key met breached open compliance responseTime { ${STATS} } calendarResponseTime { ${STATS} } } }
      overdue { leadId handedOffAt dueAt resolvedAt status ownerId team } } }`,
  },
  {
    // The same report as a dashboard pages it: the groups, the overdue count and the first 100 overdue cases.
    name: 'slaCompliance, first 100 overdue',
    query: `{ slaCompliance(from: "${REPORT_FROM}", to: "${REPORT_TO}", granularity: MONTH, groupBy: OWNER) {
      periods { start end groups { key met breached open compliance responseTime { ${STATS} } calendarResponseTime { ${STATS} } } }
      overdueTotal overdue(first: 100) { leadId handedOffAt dueAt resolvedAt status ownerId team } } }`,
  },
  {
    name: 'sourceComparison (12 months, CHANNEL)',
    query: `{ sourceComparison(from: "${REPORT_FROM}", to: "${REPORT_TO}", dimension: CHANNEL) { key leads reached { stage count conversionToNext }
      steps { from to rate low high } overall { from to rate low high } wonValue averageDealValue timeToWin { ${STATS} } } }`,
  },
];

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/bench/read-bench.js -> dist/apps/worker/src/main.js */
const WORKER_MAIN = path.resolve(here, '../apps/worker/src/main.js');

async function readOnlyPass(databaseUrl: string, expected: number): Promise<{ seconds: number; eventsPerSecond: number }> {
  const client = await connectClient(databaseUrl, 'funnel-ledger-bench-read');
  try {
    const feed = feedReader(client, true);
    let after = { transactionId: '0', globalPosition: '0' };
    let read = 0;
    const started = performance.now();
    for (;;) {
      const batch = await feed.readBatch(after, 1000);
      if (!batch || batch.events.length === 0) break;
      read += batch.events.length;
      after = batch.checkpoint;
    }
    const seconds = (performance.now() - started) / 1000;
    if (read !== expected) throw new Error(`read-only pass read ${read} events, expected ${expected}`);
    return { seconds, eventsPerSecond: read / seconds };
  } finally {
    await client.end();
  }
}

async function rssOf(pid: number): Promise<{ rssKb: number; hwmKb: number } | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(/^\S+:\s+(\d+)/.exec(status.split('\n').find((l) => l.startsWith(key)) ?? '')?.[1] ?? NaN);
    return { rssKb: kb('VmRSS:'), hwmKb: kb('VmHWM:') };
  } catch {
    return null;
  }
}

/** Runs the standalone worker until every projection checkpoint sits at the feed's head. */
async function rebuildWithWorker(databaseUrl: string, log: (m: string) => void, total: number) {
  const probe = await connectClient(databaseUrl, 'funnel-ledger-bench-probe');
  let worker: ChildProcess | null = null;
  try {
    const head = await feedReader(probe, true).head();
    if (!head) throw new Error('empty feed');
    // What `rebuildProjection` does in production: a blue/green build of the next version of every versioned
    // projection from the start of the feed, swapped in when caught up. The live version 1 is moved to the head
    // without projecting (its tables stay empty and are dropped after the swap): only the rebuild is timed.
    await probe.query(
      `UPDATE projection_checkpoints c SET transaction_id = $1::xid8, global_position = $2::bigint
         FROM projection_versions v WHERE v.checkpoint_name = c.name AND v.state = 'active'`,
      [head.transactionId, head.globalPosition],
    );
    const versioned = (await probe.query<{ projection: string }>(`SELECT projection FROM projection_versions WHERE state = 'active'`)).rows.map((r) => r.projection);
    if (versioned.length === 0) throw new Error('no versioned projection to rebuild');
    // The worker runs already when a rebuild is asked for (as in production): started first, and the rebuild is
    // timed from beginRebuild once its runners lead their live versions (their leadership locks are held).
    worker = spawn(process.execPath, [...WORKER_NODE_FLAGS, ...(process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean), WORKER_MAIN], {
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', RUN_PROJECTIONS: 'true' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => worker!.once('exit', (code) => resolve(code)));
    const readyBy = performance.now() + 60_000;
    for (;;) {
      const { rows } = await probe.query<{ leading: number }>(`SELECT count(*)::int AS leading FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`);
      if (rows[0]!.leading >= versioned.length) break;
      if (performance.now() > readyBy) throw new Error('the worker did not take the leadership of its projections within 60 s');
      const code = await Promise.race([exited, new Promise<'tick'>((r) => setTimeout(() => r('tick'), 100))]);
      if (code !== 'tick') throw new Error(`the worker exited (code ${code}) before the rebuild began`);
    }
    const started = performance.now();
    const targets = new Map<string, number>();
    const rebuildPool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    try {
      for (const projection of versioned) targets.set(projection, (await beginRebuild(rebuildPool, projection)).version);
    } finally {
      await rebuildPool.end();
    }
    let peakKb = 0;
    const samples: number[] = [];
    let lastLog = started;
    for (;;) {
      const code = await Promise.race([exited, new Promise<'tick'>((r) => setTimeout(() => r('tick'), 250))]);
      if (code !== 'tick') throw new Error(`the worker exited (code ${code}) before the rebuild finished`);
      const rss = await rssOf(worker.pid!);
      if (rss) {
        peakKb = Math.max(peakKb, rss.hwmKb || rss.rssKb);
        samples.push(Math.round(rss.rssKb / 1024));
      }
      // Done when every new version is live (built, indexed, swapped in).
      const { rows } = await probe.query<{ pending: number; failed: string | null; processed: string }>(
        `SELECT count(*) FILTER (WHERE v.state <> 'active')::int AS pending,
                max(c.error) FILTER (WHERE c.state = 'failed') AS failed,
                coalesce(min(c.events_processed), 0)::text AS processed
           FROM projection_versions v JOIN projection_checkpoints c ON c.name = v.checkpoint_name
          WHERE (v.projection, v.version) IN (SELECT * FROM unnest($1::text[], $2::int[]))`,
        [[...targets.keys()], [...targets.values()]],
      );
      const row = rows[0]!;
      if (row.failed) throw new Error(`a projection failed during the rebuild: ${row.failed}`);
      if (row.pending === 0) break;
      if (performance.now() - lastLog > 15_000) {
        lastLog = performance.now();
        const done = Number(row.processed);
        const rate = done / ((lastLog - started) / 1000);
        log(`    rebuild: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} events, ${Math.round(rate).toLocaleString('en-US')} ev/s, RSS ${samples.at(-1)} MB`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const final = await rssOf(worker.pid!);
    if (final) peakKb = Math.max(peakKb, final.hwmKb);
    worker.kill('SIGTERM');
    await exited;
    worker = null;
    return { seconds, eventsPerSecond: total / seconds, workerPeakRssMb: Math.round(peakKb / 1024), workerRssSamplesMb: samples };
  } finally {
    worker?.kill('SIGKILL');
    await probe.end();
  }
}

export async function measureQueries(databaseUrl: string, runs: number, warmup: number): Promise<QueryLatency[]> {
  const api = await startApiProcess(databaseUrl);
  try {
    return await timeQueries(api.graphqlUrl, REPORT_QUERIES, runs, warmup);
  } finally {
    await api.stop();
  }
}

/** Each query `runs` times over GraphQL/HTTP at `url`, after `warmup` runs. */
async function timeQueries(url: string, queries: readonly { name: string; query: string }[], runs: number, warmup: number): Promise<QueryLatency[]> {
  const results: QueryLatency[] = [];
  for (const { name, query } of queries) {
    const body = JSON.stringify({ query });
    const once = async (): Promise<{ ms: number; bytes: number }> => {
      const started = performance.now();
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await response.text();
      const ms = performance.now() - started;
      const parsed = JSON.parse(text) as { errors?: { message: string }[] };
      if (!response.ok || parsed.errors) throw new Error(`${name} failed: ${text.slice(0, 500)}`);
      return { ms, bytes: text.length };
    };
    for (let i = 0; i < warmup; i++) await once();
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      const r = await once();
      times.push(r.ms);
      bytes = r.bytes;
    }
    times.sort((a, b) => a - b);
    results.push({ name, runs, p50Ms: percentile(times, 50), p95Ms: percentile(times, 95), maxMs: times.at(-1)!, responseBytes: bytes });
  }
  return results;
}

/** POSTs one GraphQL operation; throws with the first error's message and code. */
async function graphql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-actor-id': 'bench' }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (!response.ok || body.errors || !body.data) throw new Error(`GraphQL: ${body.errors?.[0]?.message ?? response.status} (${body.errors?.[0]?.extensions?.code ?? 'no code'})`);
  return body.data;
}

interface ScenarioState {
  id: string;
  status: string;
  processedEvents: number;
  totalEvents: number;
  error: string | null;
}
const SCENARIO_FIELDS = 'id status processedEvents totalEvents error';

/**
 * Issue 4: a what-if replay (MQL at 60) by an API process of its own, as a user runs it (`runScenario`, then
 * `scenario(id)` polled every 100 ms), then compareScenarios against the live views.
 */
async function scenarioPhase(databaseUrl: string, runs: number, warmup: number, log: (m: string) => void) {
  const api = await startApiProcess(databaseUrl);
  try {
    const candidate = { ...withMqlThreshold(DEFAULT_FUNNEL_DEFINITION, 60), name: 'bench-mql60' };
    let started = performance.now();
    // Registration (the empty tables, the count of the events) is done when runScenario answers; the replay follows.
    const { runScenario: scenario } = await graphql<{ runScenario: ScenarioState }>(
      api.graphqlUrl,
      `mutation($input: RunScenarioInput!) { runScenario(input: $input) { ${SCENARIO_FIELDS} } }`,
      { input: { name: 'bench: MQL at 60', definition: candidate } },
    );
    const createSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    let lastLog = started;
    let state = scenario;
    while (state.status === 'RUNNING') {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = (await graphql<{ scenario: ScenarioState }>(api.graphqlUrl, `query($id: ID!) { scenario(id: $id) { ${SCENARIO_FIELDS} } }`, { id: scenario.id })).scenario;
      if (performance.now() - lastLog >= 10_000) {
        lastLog = performance.now();
        const rate = state.processedEvents / ((lastLog - started) / 1000);
        log(`    scenario: ${state.processedEvents.toLocaleString('en-US')} / ${state.totalEvents.toLocaleString('en-US')} events, ${Math.round(rate).toLocaleString('en-US')} ev/s`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    if (state.status !== 'COMPLETED') throw new Error(`the scenario replay ended ${state.status}${state.error ? `: ${state.error}` : ''}`);
    const [compare] = await timeQueries(
      api.graphqlUrl,
      [
        {
          name: 'compareScenarios (12 months, MONTH)',
          query: `{ compareScenarios(candidate: "${scenario.id}", from: "${REPORT_FROM}", to: "${REPORT_TO}", granularity: MONTH) {
            periods { start end stages { stage metrics { metric baseline candidate difference } } sla { metric baseline candidate difference } } } }`,
        },
      ],
      runs,
      warmup,
    );
    await graphql(api.graphqlUrl, `mutation($id: ID!) { deleteScenario(id: $id) { id } }`, { id: scenario.id });
    return { seconds, createSeconds, eventsPerSecond: state.totalEvents / seconds, compare: compare! };
  } finally {
    await api.stop();
  }
}

export async function runReadBench(databaseUrl: string, options: ReadBenchOptions): Promise<ReadBenchResult> {
  const { log } = options;
  const client = await connectClient(databaseUrl);
  let seed: SeedResult;
  try {
    log(`  seeding ${options.leads.toLocaleString('en-US')} synthetic leads (seed ${options.seed}) ...`);
    seed = await seedSyntheticHistory(client, { leads: options.leads, seed: options.seed, start: HISTORY_START, end: HISTORY_END });
    log(`  seeded ${seed.events.toLocaleString('en-US')} events in ${seed.seconds.toFixed(1)} s`);
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
  log('  read-only pass over the feed ...');
  // Twice: the first pass also warms the cache for the rebuild, the second is the one reported.
  await readOnlyPass(databaseUrl, seed.events);
  const readOnly = await readOnlyPass(databaseUrl, seed.events);
  log(`  read-only: ${Math.round(readOnly.eventsPerSecond).toLocaleString('en-US')} ev/s; rebuilding with the worker ...`);
  const rebuilt = await rebuildWithWorker(databaseUrl, log, seed.events);
  const counts = await connectClient(databaseUrl);
  const readModelRows: Record<string, number> = {};
  try {
    for (const table of ['rm_lead_summary', 'rm_stage_visits', 'rm_sla_cases']) {
      const { rows } = await counts.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      readModelRows[table] = rows[0]!.n;
    }
    await counts.query('VACUUM ANALYZE');
  } finally {
    await counts.end();
  }
  log(`  rebuild: ${Math.round(rebuilt.eventsPerSecond).toLocaleString('en-US')} ev/s, worker peak RSS ${rebuilt.workerPeakRssMb} MB; querying ...`);
  const queries = await measureQueries(databaseUrl, options.runs, options.warmup);
  log('  scenario replay (MQL at 60) ...');
  const scenario = await scenarioPhase(databaseUrl, options.runs, options.warmup, log);
  log(`  scenario: ${Math.round(scenario.eventsPerSecond).toLocaleString('en-US')} ev/s; compareScenarios p95 ${scenario.compare.p95Ms.toFixed(1)} ms`);
  return {
    leads: seed.leads,
    events: seed.events,
    seed,
    readOnly,
    rebuild: { ...rebuilt, ratioToReadOnly: rebuilt.eventsPerSecond / readOnly.eventsPerSecond },
    readModelRows,
    queries,
    scenario: {
      ...scenario,
      ratioToRebuild: scenario.eventsPerSecond / rebuilt.eventsPerSecond,
      ratioToReadOnly: scenario.eventsPerSecond / readOnly.eventsPerSecond,
    },
  };
}
