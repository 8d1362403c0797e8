import type { ReadBenchResult } from './read-bench.js';
import { fmt, pct, table } from './report.js';

/** The read side's targets (issue 3), checked on every server measured. */
export const REBUILD_TARGET_RATIO = 0.25;
export const QUERY_P95_TARGET_MS = 100;
/** The query target applies from this history size up (the issue names 1M leads). */
export const QUERY_TARGET_MIN_LEADS = 1_000_000;
export const WORKER_RSS_TARGET_MB = 512;
/** Issue 4: a scenario replays at least as fast as the rebuild of the same run. */
export const SCENARIO_TARGET_RATIO_TO_REBUILD = 1;

export interface ReadVerdict {
  mode: string;
  pass: boolean;
  detail: string;
}

export function readVerdictsOf(results: readonly ReadBenchResult[]): ReadVerdict[] {
  const verdicts: ReadVerdict[] = [];
  for (const r of results) {
    const size = `${fmt(r.leads)} leads`;
    verdicts.push({
      mode: `rebuild rate, ${size}`,
      pass: r.rebuild.ratioToReadOnly >= REBUILD_TARGET_RATIO,
      detail: `${fmt(r.rebuild.eventsPerSecond)} ev/s = ${pct(r.rebuild.ratioToReadOnly)} of read-only (target >= ${pct(REBUILD_TARGET_RATIO)})`,
    });
    verdicts.push({
      mode: `worker peak RSS, ${size}`,
      pass: r.rebuild.workerPeakRssMb < WORKER_RSS_TARGET_MB,
      detail: `${r.rebuild.workerPeakRssMb} MB (target < ${WORKER_RSS_TARGET_MB} MB)`,
    });
    if (r.scenario) {
      verdicts.push({
        mode: `scenario replay rate, ${size}`,
        pass: r.scenario.ratioToRebuild >= SCENARIO_TARGET_RATIO_TO_REBUILD,
        detail: `${fmt(r.scenario.eventsPerSecond)} ev/s = ${pct(r.scenario.ratioToRebuild)} of the rebuild's ${fmt(r.rebuild.eventsPerSecond)} ev/s (target >= 100%)`,
      });
    }
    if (r.leads >= QUERY_TARGET_MIN_LEADS) {
      for (const q of r.queries) {
        verdicts.push({
          mode: `${q.name} p95, ${size}`,
          pass: q.p95Ms < QUERY_P95_TARGET_MS,
          detail: `${q.p95Ms.toFixed(1)} ms (target < ${QUERY_P95_TARGET_MS} ms)`,
        });
      }
    }
  }
  return verdicts;
}

const ms = (n: number) => n.toFixed(1);

export function renderRead(kind: string, results: readonly ReadBenchResult[]): string {
  const out: string[] = [`\n=== read side: ${kind} PostgreSQL ===`];
  out.push(
    table(
      ['leads', 'events', 'seed ev/s', 'read-only ev/s', 'rebuild ev/s', 'rebuild / read-only', 'worker peak RSS', 'visits', 'SLA cases'],
      results.map((r) => [
        fmt(r.leads),
        fmt(r.events),
        fmt(r.seed.events / r.seed.seconds),
        fmt(r.readOnly.eventsPerSecond),
        fmt(r.rebuild.eventsPerSecond),
        pct(r.rebuild.ratioToReadOnly),
        `${r.rebuild.workerPeakRssMb} MB`,
        fmt(r.readModelRows.rm_stage_visits ?? NaN),
        fmt(r.readModelRows.rm_sla_cases ?? NaN),
      ]),
      [true, true, true, true, true, true, true, true, true],
    ),
  );
  if (results.some((r) => r.scenario)) {
    out.push('\n  scenario replay (MQL at 60, in the API process) beside the rebuild and the read-only pass of the same run:');
    out.push(
      table(
        ['leads', 'read-only ev/s', 'rebuild ev/s', 'scenario ev/s', 'scenario / rebuild', 'scenario / read-only', 'registration s'],
        results.filter((r) => r.scenario).map((r) => [
          fmt(r.leads),
          fmt(r.readOnly.eventsPerSecond),
          fmt(r.rebuild.eventsPerSecond),
          fmt(r.scenario.eventsPerSecond),
          pct(r.scenario.ratioToRebuild),
          pct(r.scenario.ratioToReadOnly),
          r.scenario.createSeconds.toFixed(1),
        ]),
        [true, true, true, true, true, true, true],
      ),
    );
  }
  for (const r of results) {
    out.push(`\n  report queries at ${fmt(r.leads)} leads (GraphQL over HTTP, ${r.queries[0]?.runs ?? 0} runs each after warm-up):`);
    out.push(
      table(
        ['query', 'p50 ms', 'p95 ms', 'max ms', 'answer bytes'],
        [...r.queries, ...(r.scenario ? [r.scenario.compare] : [])].map((q) => [q.name, ms(q.p50Ms), ms(q.p95Ms), ms(q.maxMs), fmt(q.responseBytes)]),
        [false, true, true, true, true],
      ),
    );
  }
  const verdicts = readVerdictsOf(results);
  out.push('');
  for (const v of verdicts) out.push(`  ${v.pass ? 'PASS' : 'FAIL'}  ${v.mode}: ${v.detail}`);
  return out.join('\n');
}
