import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { GraphQLError } from 'graphql';
import { ValidationError, validateFunnelDefinition, withMqlThreshold, type FunnelDefinition } from '../../../../libs/domain/src/index.js';
import type { IsolatedBuild } from '../../../../libs/projections/src/index.js';
import { Granularity } from '../../../api/src/read/read.types.js';
import { ReadScopes, progressOf } from '../../../api/src/read/read-scope.js';
import { CompareService } from '../../../api/src/scenarios/compare.service.js';
import type { ScenarioComparison } from '../../../api/src/scenarios/compare.types.js';
import { ScenarioService } from '../../../api/src/scenarios/scenario.service.js';
import type { CliCommand } from '../cli-command.js';
import type { CliContext } from '../cli-context.js';
import { CliError, EXIT, UsageError, type ExitCode } from '../exit-codes.js';
import { ProgressBar } from '../progress.js';
import { alignedTable } from '../table.js';

/** Refusals of the scenario services as the CLI's exit codes (README, "The command line"). */
function asCliError(error: unknown): unknown {
  if (error instanceof ValidationError) return new CliError(error.message, EXIT.usage);
  if (!(error instanceof GraphQLError)) return error;
  const code = error.extensions?.code;
  const exit: ExitCode =
    code === 'NOT_FOUND' ? EXIT.notFound : code === 'BAD_USER_INPUT' ? EXIT.usage : code === 'SCENARIO_RUNNING' || code === 'SCENARIO_NOT_READY' ? EXIT.conflict : EXIT.failed;
  const problems = (error.extensions?.errors as { path: string; message: string }[] | undefined) ?? null;
  return new CliError(problems ? ['definition is not a valid funnel definition:', ...problems.map((p) => `  ${p.path}: ${p.message}`)].join('\n') : error.message, exit);
}

async function refusalsAsExitCodes<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asCliError(error);
  }
}

function who(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

function summary(build: IsolatedBuild) {
  return {
    id: build.id,
    name: build.name,
    status: build.status,
    progress: progressOf(build),
    processedEvents: build.processedEvents,
    totalEvents: build.totalEvents,
    definition: build.definitionRef,
    startedAt: build.startedAt.toISOString(),
    finishedAt: build.finishedAt?.toISOString() ?? null,
    error: build.error,
    createdBy: build.createdBy,
  };
}

function positiveNumber(value: unknown, option: string): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${option} must be a positive number, got ${String(value)}`);
  return n;
}

function oneId(args: { positionals: string[] }, what = 'the scenario id'): string {
  if (args.positionals.length !== 1) throw new UsageError(`expected one argument: ${what}`);
  return args.positionals[0]!;
}

/** The candidate: a JSON file, or the live definition with another MQL threshold (and SLA working days). */
async function candidateDocument(ctx: CliContext, values: Record<string, unknown>): Promise<unknown> {
  const file = values.definition;
  const threshold = positiveNumber(values['mql-threshold'], 'mql-threshold');
  const slaDays = positiveNumber(values['sla-working-days'], 'sla-working-days');
  if ((typeof file === 'string') === (threshold !== null)) throw new UsageError('give either --definition FILE or --mql-threshold N');
  if (typeof file === 'string') {
    if (slaDays !== null) throw new UsageError('--sla-working-days goes with --mql-threshold (put the SLA in the file otherwise)');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${file}: ${(error as Error).message}`, (error as NodeJS.ErrnoException).code === 'ENOENT' ? EXIT.notFound : EXIT.usage);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new CliError(`${file} is not JSON: ${(error as Error).message}`, EXIT.usage);
    }
  }
  const live = (await (await ctx.get(ReadScopes)).live()).definition;
  let variant: FunnelDefinition = withMqlThreshold(live, threshold!);
  if (slaDays !== null) variant = { ...variant, sla: { ...variant.sla, workingDays: slaDays } };
  const validated = validateFunnelDefinition({ ...variant, name: `${live.name}-mql${threshold}${slaDays !== null ? `-sla${slaDays}` : ''}`, version: 1 });
  if (!validated.ok) throw new CliError(`the derived definition is invalid: ${validated.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, EXIT.usage);
  return validated.definition;
}

export const scenarioRunCommand: CliCommand = {
  words: ['scenario', 'run'],
  usage: '<name> (--definition FILE.json | --mql-threshold N [--sla-working-days N])',
  summary: 'Replay the whole ledger under a candidate definition into isolated tables (progress, rate, ETA)',
  details: [
    'The replay runs in this process and covers the ledger up to its head when it starts; live views are never',
    'written. --mql-threshold derives the candidate from the live definition. Ctrl-C cancels it (its tables dropped).',
    'Exit codes: 0 completed, 1 failed, 2 bad usage or an invalid definition (each problem with its JSON path),',
    '3 no such file, 130 interrupted (cancelled).',
  ].join('\n'),
  options: {
    definition: { type: 'string' },
    'mql-threshold': { type: 'string' },
    'sla-working-days': { type: 'string' },
  },
  async run(ctx, args) {
    const name = oneId(args, 'the scenario name');
    const document = await candidateDocument(ctx, args.values);
    const scenarios = await ctx.get(ScenarioService);
    const build = await refusalsAsExitCodes(() => scenarios.create(name, document, who()));
    if (!args.json) ctx.warn(`Scenario ${build.id} (${build.definitionRef}): replaying ${build.totalEvents.toLocaleString('en-US')} events`);
    const progress = new ProgressBar({ label: `scenario ${build.id}`, unit: 'events', silent: args.json, stream: ctx.err });
    let done = 0;
    const outcome = await scenarios.replay(build, {
      signal: ctx.signal,
      onProgress: (processed, total) => {
        done = processed;
        progress.update(processed, total);
      },
    });
    const final = (await scenarios.get(build.id)) ?? build;
    if (outcome === 'COMPLETED') progress.finish(final.processedEvents, final.totalEvents);
    else progress.interrupt();
    if (args.json) ctx.printJson(summary(final));
    else if (outcome === 'COMPLETED') ctx.print(`Scenario ${final.id} completed: ${final.processedEvents.toLocaleString('en-US')} events under ${final.definitionRef}.`);
    if (outcome === 'COMPLETED') return EXIT.ok;
    if (outcome === 'CANCELLED') throw new CliError(`interrupted: scenario ${build.id} cancelled after ${done.toLocaleString('en-US')} events (its tables dropped)`, EXIT.interrupted);
    if (outcome === 'FAILED') throw new CliError(`scenario ${build.id} failed: ${final.error ?? 'unknown error'}`, EXIT.failed);
    throw new CliError(`scenario ${build.id} is driven by another process (${outcome})`, EXIT.conflict);
  },
};

export const scenarioListCommand: CliCommand = {
  words: ['scenario', 'list'],
  usage: '',
  summary: 'List scenarios, newest first',
  async run(ctx, args) {
    const list = await (await ctx.get(ScenarioService)).list();
    if (args.json) {
      ctx.printJson(list.map(summary));
      return EXIT.ok;
    }
    if (list.length === 0) {
      ctx.print('No scenarios.');
      return EXIT.ok;
    }
    const rows = list.map((b) => [b.id, b.name, b.status, `${(progressOf(b) * 100).toFixed(1)}%`, `${b.processedEvents}/${b.totalEvents}`, b.definitionRef, b.startedAt.toISOString()]);
    printTable(ctx, ['id', 'name', 'status', 'progress', 'events', 'definition', 'started'], rows, [3, 4]);
    return EXIT.ok;
  },
};

export const scenarioShowCommand: CliCommand = {
  words: ['scenario', 'show'],
  usage: '<id>',
  summary: 'Show one scenario: status, progress, definition',
  details: 'Exit codes: 0 shown, 3 no such scenario.',
  async run(ctx, args) {
    const build = await refusalsAsExitCodes(async () => (await ctx.get(ScenarioService)).require(oneId(args)));
    if (args.json) {
      ctx.printJson({ ...summary(build), definitionDocument: build.definition });
      return EXIT.ok;
    }
    const s = summary(build);
    for (const [key, value] of Object.entries(s)) ctx.print(`${`${key}:`.padEnd(17)}${value === null ? '-' : String(value)}`);
    return EXIT.ok;
  },
};

export const scenarioCompareCommand: CliCommand = {
  words: ['scenario', 'compare'],
  usage: '<candidate-id> [--baseline ID] --from DATE --to DATE [--granularity MONTH] [--now DATE]',
  summary: 'Compare a scenario with the live views (or another scenario) per period and stage',
  details: [
    'Waterfall metrics per stage and SLA compliance per period: baseline, candidate, difference (candidate - baseline).',
    'Exit codes: 0 compared, 2 bad dates or granularity, 3 no such scenario, 4 a scenario not completed.',
  ].join('\n'),
  options: {
    baseline: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    granularity: { type: 'string' },
    now: { type: 'string' },
  },
  async run(ctx, args) {
    const candidate = oneId(args, 'the candidate scenario id');
    const date = (option: string, required: boolean): Date | null => {
      const value = args.values[option];
      if (value === undefined) {
        if (required) throw new UsageError(`--${option} is required (an ISO date, e.g. 2025-04-01)`);
        return null;
      }
      const parsed = new Date(String(value));
      if (Number.isNaN(parsed.getTime())) throw new UsageError(`--${option} must be an ISO date or date-time, got ${String(value)}`);
      return parsed;
    };
    const granularity = String(args.values.granularity ?? 'MONTH').toUpperCase();
    if (!(granularity in Granularity)) throw new UsageError(`--granularity must be one of ${Object.keys(Granularity).join(', ')}`);
    const comparison = await refusalsAsExitCodes(async () =>
      (await ctx.get(CompareService)).compare({
        candidate,
        baseline: typeof args.values.baseline === 'string' ? args.values.baseline : null,
        from: date('from', true)!,
        to: date('to', true)!,
        granularity: granularity as Granularity,
        now: date('now', false),
      }),
    );
    if (args.json) ctx.printJson(comparison);
    else printComparison(ctx, comparison);
    return EXIT.ok;
  },
};

export const scenarioCancelCommand: CliCommand = {
  words: ['scenario', 'cancel'],
  usage: '<id>',
  summary: 'Cancel a running scenario (its tables are dropped; a finished one is left as it is)',
  details: 'Exit codes: 0 cancelled (or already finished), 3 no such scenario.',
  async run(ctx, args) {
    const build = await refusalsAsExitCodes(async () => (await ctx.get(ScenarioService)).cancel(oneId(args)));
    if (args.json) ctx.printJson(summary(build));
    else ctx.print(`Scenario ${build.id} is ${build.status}.`);
    return EXIT.ok;
  },
};

export const scenarioDeleteCommand: CliCommand = {
  words: ['scenario', 'delete'],
  usage: '<id>',
  summary: 'Delete a scenario that is not running (its tables and registry entry)',
  details: 'Exit codes: 0 deleted, 3 no such scenario, 4 still running (cancel it first).',
  async run(ctx, args) {
    const build = await refusalsAsExitCodes(async () => (await ctx.get(ScenarioService)).delete(oneId(args)));
    if (args.json) ctx.printJson({ deleted: summary(build) });
    else ctx.print(`Scenario ${build.id} (${build.name}) deleted.`);
    return EXIT.ok;
  },
};

export const SCENARIO_COMMANDS: readonly CliCommand[] = [
  scenarioRunCommand,
  scenarioListCommand,
  scenarioShowCommand,
  scenarioCompareCommand,
  scenarioCancelCommand,
  scenarioDeleteCommand,
];

/** Prints alignedTable's lines. */
function printTable(ctx: CliContext, header: string[], rows: string[][], right: number[] = []): void {
  for (const line of alignedTable(header, rows, right)) ctx.print(line);
}

function formatNumber(value: number | null): string {
  if (value === null) return '-';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toFixed(4);
}

function formatDifference(value: number | null): string {
  if (value === null) return '-';
  if (value === 0) return '0';
  return `${value > 0 ? '+' : ''}${formatNumber(value)}`;
}

function printComparison(ctx: CliContext, comparison: ScenarioComparison): void {
  ctx.print(`baseline:  ${comparison.baseline.name} (${comparison.baseline.definition})`);
  ctx.print(`candidate: ${comparison.candidate.name} (${comparison.candidate.definition})   periods in ${comparison.timeZone}`);
  ctx.print('');
  const rows: string[][] = [];
  for (const period of comparison.periods) {
    const start = period.start.toISOString().slice(0, 10);
    for (const stage of period.stages) {
      for (const m of stage.metrics) rows.push([start, stage.stage, m.metric, formatNumber(m.baseline), formatNumber(m.candidate), formatDifference(m.difference)]);
    }
    for (const m of period.sla) rows.push([start, 'SLA', m.metric, formatNumber(m.baseline), formatNumber(m.candidate), formatDifference(m.difference)]);
  }
  printTable(ctx, ['period', 'stage', 'metric', 'baseline', 'candidate', 'difference'], rows, [3, 4, 5]);
}
