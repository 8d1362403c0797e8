import type { ImportBenchResult } from './import-bench.js';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppendBenchResult } from './append-bench.js';
import type { BreakdownResult } from './append-breakdown.js';
import type { CommandBenchResult, CommandPhase } from './command-bench.js';
import { median, type Throughput } from './measure.js';
import type { ReadBenchResult } from './read-bench.js';
import { readVerdictsOf } from './read-report.js';
import type { TargetKind } from './targets.js';

/** Tables for the terminal and the JSON file; every ratio compares figures measured on the same server in the same run. */

/** Acceptance target (issue "Foundation"): the store's batch append reaches at least this share of raw INSERT. */
export const APPEND_TARGET_RATIO = 0.5;

export interface Verdict {
  mode: string;
  ratioToInsert: number;
  pass: boolean;
}

export interface TargetReport {
  kind: TargetKind;
  status: 'ok' | 'partial' | 'failed' | 'skipped';
  description?: string;
  serverVersion?: string;
  database?: string;
  settings?: Record<string, string>;
  append?: AppendBenchResult;
  breakdown?: BreakdownResult;
  commands?: CommandBenchResult;
  read?: ReadBenchResult[];
  /** The NDJSON import suite (bench/import-bench.ts). */
  import?: ImportBenchResult;
  verdicts?: Verdict[];
  errors: string[];
}

export interface BenchReport {
  generatedAt: string;
  command: string;
  machine: { node: string; platform: string; cpus: number; cpuModel: string; memoryGb: number };
  options: Record<string, unknown>;
  targetRatio: number;
  elapsedSeconds: number;
  targets: TargetReport[];
  /** PASS when every measured target meets the append target; null when no append was measured. */
  overall: 'PASS' | 'FAIL' | null;
}

const PLAN_EVENTS_LABEL = '10-event';

export const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const pct = (ratio: number): string => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)}%` : 'n/a');

/**
 * a / b as the median of the per-run ratios: within a run both were measured interleaved (same machine
 * load), so paired ratios are steadier than a ratio of two medians on a noisy machine.
 */
export function pairedRatio(a: Throughput, b: Throughput): number {
  const ratios = a.runs.map((value, i) => value / b.runs[i]!).filter(Number.isFinite);
  return ratios.length > 0 ? median(ratios) : a.eventsPerSecond / b.eventsPerSecond;
}

export function verdictsOf(append: AppendBenchResult): Verdict[] {
  return [
    { mode: 'new stream per call', ratioToInsert: pairedRatio(append.appendNewStreams, append.rawInsert) },
    { mode: 'growing streams', ratioToInsert: pairedRatio(append.appendExistingStreams, append.rawInsert) },
  ].map((v) => ({ ...v, pass: v.ratioToInsert >= APPEND_TARGET_RATIO }));
}

export function table(header: string[], rows: string[][], alignRight: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (alignRight[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].map((l) => `  ${l}`).join('\n');
}

export function renderTarget(report: TargetReport, options: { runs: number; batchSize: number; streams: number }): string {
  const out: string[] = [];
  out.push(`\n=== ${report.kind.toUpperCase()}: ${report.description ?? 'not measured'} ===`);
  if (report.database) out.push(`  database ${report.database} (fresh, migrated; dropped at the end)`);
  if (report.settings) out.push(`  settings ${Object.entries(report.settings).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  const { append, commands } = report;
  if (append) {
    out.push(
      `  payload  data ~${append.payload.dataBytes} B + metadata ~${append.payload.metadataBytes} B JSON per event; ` +
        `${fmt(append.rawInsert.eventsPerRun)} events per method and run in batches of ${fmt(options.batchSize)} ` +
        `(${append.rounds} interleaved chunks of ${fmt(append.eventsPerChunk)}), ${options.runs} runs: median shown`,
    );
    const insert = append.rawInsert.eventsPerSecond;
    const copy = append.rawCopy.eventsPerSecond;
    const runs = (t: Throughput) => t.runs.map(fmt).join(' / ');
    const verdicts = report.verdicts ?? verdictsOf(append);
    const verdict = (i: number) => `${verdicts[i]!.pass ? 'PASS' : 'FAIL'} (target >= ${pct(APPEND_TARGET_RATIO)} of INSERT)`;
    const batchRow = (label: string, t: Throughput, note: string) => [
      label,
      fmt(t.eventsPerSecond),
      pct(pairedRatio(t, append.rawInsert)),
      pct(pairedRatio(t, append.rawCopy)),
      runs(t),
      note,
    ];
    const rows: string[][] = [
      batchRow('raw multi-row INSERT, bare table (1 stmt / batch)', append.rawInsert, 'baseline'),
      batchRow('raw COPY FROM STDIN, bare table (1 COPY / batch)', append.rawCopy, 'practical limit per batch'),
      batchRow('store append, new stream per call', append.appendNewStreams, verdict(0)),
      batchRow(`store append, ${options.streams} growing streams (expected rev)`, append.appendExistingStreams, verdict(1)),
    ];
    if (commands) {
      const row = (label: string, phase: CommandPhase) => [
        label,
        fmt(phase.eventsPerSecond),
        pct(phase.eventsPerSecond / insert),
        pct(phase.eventsPerSecond / copy),
        `${fmt(phase.mutations)} mutations in ${phase.seconds.toFixed(1)} s`,
        `latency p50 ${phase.latencyMs.p50.toFixed(1)} / p95 ${phase.latencyMs.p95.toFixed(1)} / p99 ${phase.latencyMs.p99.toFixed(1)} ms`,
      ];
      rows.push(row('command path, 1 client (1 GraphQL mutation / event)', commands.sequential));
      rows.push(row(`command path, ${commands.concurrent.clients} clients (API pool ${commands.poolSize})`, commands.concurrent));
    }
    out.push(table(['measurement', 'events/s', 'vs INSERT', 'vs COPY', 'runs (events/s)', 'note'], rows, [false, true, true, true, false, false]));
    out.push('  (batch ratios: median of the per-run ratios, methods interleaved within each run; command path: ratio of medians, measured after)');
  } else if (commands) {
    out.push(`  command path: 1 client ${fmt(commands.sequential.eventsPerSecond)} ev/s, ${commands.concurrent.clients} clients ${fmt(commands.concurrent.eventsPerSecond)} ev/s (no baseline measured)`);
  }
  if (report.breakdown) out.push(renderBreakdown(report.breakdown));
  for (const error of report.errors) out.push(`  ERROR: ${error}`);
  return out.join('\n');
}

function renderBreakdown(breakdown: BreakdownResult): string {
  const rows = breakdown.steps.map((step) => [step.label, step.msPerBatch.toFixed(1), fmt(step.eventsPerSecond), step.note]);
  const out = [
    `\n  Where an append's time goes (${fmt(breakdown.events)} events per step and run in batches of ${fmt(breakdown.batchSize)}, new stream per call, steps interleaved, median of ${breakdown.runs} runs):`,
    table(['step', 'ms/batch', 'events/s', 'what it isolates'], rows, [false, true, true, false]),
  ];
  const { plan } = breakdown;
  if (plan.available) {
    const casts = plan.jsonbCastsPerRow ?? 0;
    out.push(
      `  Plan check (auto_explain, one ${PLAN_EVENTS_LABEL} append): the INSERT inside fl_append_events casts text to jsonb ${casts} time(s) per row` +
        (casts > 1 ? ` -> each document is parsed ${casts} times there (the planner inlined \`canonical::jsonb AS doc\` into every column it feeds)` : '') +
        `; FK check on streams: ${(plan.foreignKeyChecksPerEvent ?? 0).toFixed(1)} per event.`,
    );
  } else {
    out.push(`  Plan check unavailable: ${plan.reason ?? 'unknown reason'}`);
  }
  const d = breakdownShares(breakdown);
  if (d) {
    const share = (ms: number) => `${ms.toFixed(1)} ms (${pct(ms / d.total)})`;
    out.push(
      `  Per batch of ${fmt(breakdown.batchSize)}: the whole append takes ${d.total.toFixed(1)} ms, an equally keyed raw INSERT ${d.keyedInsert.toFixed(1)} ms, the bare INSERT ${d.bareInsert.toFixed(1)} ms.`,
      `    Node side, prepareAppend (validate, ids, canonical JSON):       ${share(d.prepare)}`,
      `    returning the 1,000 rows to Node (appendOnce - SQL only):      ${share(d.returnRows)}`,
      `    fl_append_events beyond the equally keyed INSERT with FK:      ${share(d.functionOverhead)}`,
      `      of which the hash-chain loop (re-parse + sha256 + append):   ${share(d.chainLoop)}, re-parsing each document alone ${d.reparse.toFixed(1)} ms`,
      `    keys, indexes and FK vs the bare table:                         ${share(d.keys)} (FK check per row ${d.foreignKey.toFixed(1)} ms)`,
    );
  }
  return out.join('\n');
}

/** Differences between the breakdown steps (ms per batch); null if a step is missing. */
export function breakdownShares(breakdown: BreakdownResult) {
  const ms = (prefix: string) => breakdown.steps.find((s) => s.label.startsWith(prefix))?.msPerBatch;
  const total = ms('store.append()');
  const prepare = ms('Node: prepareAppend');
  const appendOnce = ms('appendOnce()');
  const sqlOnly = ms('SQL only: SELECT count');
  const chainChecked = ms('SQL only: hash-chain loop (jsonb');
  const chainPlain = ms('SQL only: hash-chain loop (sha256');
  const fk = ms('raw INSERT, events keys + indexes + FK');
  const indexed = ms('raw INSERT, events keys + indexes, no FK');
  const bare = ms('raw INSERT, bare');
  if ([total, prepare, appendOnce, sqlOnly, chainChecked, chainPlain, fk, indexed, bare].some((v) => v === undefined)) return null;
  return {
    total: total!,
    prepare: prepare!,
    returnRows: appendOnce! - sqlOnly!,
    functionOverhead: sqlOnly! - fk!,
    chainLoop: chainChecked!,
    reparse: chainChecked! - chainPlain!,
    keys: fk! - bare!,
    foreignKey: fk! - indexed!,
    keyedInsert: fk!,
    bareInsert: bare!,
  };
}

export function renderSummary(report: BenchReport, resultsPath: string): string {
  const out: string[] = ['\n=== SUMMARY ==='];
  const rows = report.targets.map((t) => {
    if (!t.append) return [t.kind, t.status, '-', '-', '-', '-', t.commands ? `${fmt(t.commands.sequential.eventsPerSecond)} / ${fmt(t.commands.concurrent.eventsPerSecond)}` : '-', '-'];
    const v = t.verdicts ?? verdictsOf(t.append);
    const cmd = t.commands;
    return [
      t.kind,
      t.status,
      fmt(t.append.rawInsert.eventsPerSecond),
      fmt(t.append.rawCopy.eventsPerSecond),
      `${fmt(t.append.appendNewStreams.eventsPerSecond)} (${pct(v[0]!.ratioToInsert)})`,
      `${fmt(t.append.appendExistingStreams.eventsPerSecond)} (${pct(v[1]!.ratioToInsert)})`,
      cmd ? `${fmt(cmd.sequential.eventsPerSecond)} / ${fmt(cmd.concurrent.eventsPerSecond)}` : '-',
      v.every((x) => x.pass) ? 'PASS' : 'FAIL',
    ];
  });
  out.push(
    table(
      ['target', 'status', 'INSERT ev/s', 'COPY ev/s', 'append new (vs INSERT)', 'append growing (vs INSERT)', 'commands 1 / N clients', 'append >= 50%'],
      rows,
      [false, false, true, true, true, true, true, false],
    ),
  );
  for (const t of report.targets) for (const error of t.errors) out.push(`  ${t.kind}: ${error}`);
  for (const t of report.targets) {
    if (!t.read?.length) continue;
    out.push(`\n  read side, ${t.kind}:`);
    for (const v of readVerdictsOf(t.read)) out.push(`    ${v.pass ? 'PASS' : 'FAIL'}  ${v.mode}: ${v.detail}`);
  }
  out.push(
    `\n  Target: the store's batch append (1,000 events per call) reaches >= ${pct(APPEND_TARGET_RATIO)} of the raw multi-row INSERT ` +
      `baseline measured on the same server in the same run; read side: rebuild >= 25% of a read-only pass, ` +
      `report queries p95 < 100 ms at 1M leads, worker peak RSS < 512 MB. Overall: ${report.overall ?? 'not measured'}.`,
  );
  out.push(`  Bench time ${report.elapsedSeconds} s. Results (JSON): ${resultsPath}`);
  out.push(`  Rerun: ${report.command}    (npm run bench -- --help for options, e.g. --only system|embedded --events N)`);
  return out.join('\n');
}

export function machineInfo(): BenchReport['machine'] {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
  };
}

export async function writeResults(file: string, report: BenchReport): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}
