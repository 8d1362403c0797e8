import { GraphQLError } from 'graphql';
import { FunnelDefinitionNotFoundError, ValidationError, periodKey } from '../../../../libs/domain/src/index.js';
import { PlanService } from '../../../api/src/plan/plan.service.js';
import type { FunnelPlan } from '../../../api/src/plan/plan.types.js';
import type { CliCommand, ParsedArgs } from '../cli-command.js';
import { CliError, EXIT, UsageError } from '../exit-codes.js';
import { alignedTable } from '../table.js';

/** CLI option -> funnelPlan argument, for messages that name what the user typed. */
const OPTION_OF: Record<string, string> = {
  revenueTarget: '--revenue',
  from: '--from',
  to: '--to',
  basisFrom: '--basis-from',
  basisTo: '--basis-to',
  averageWonValue: '--average-won-value',
  definition: '--definition',
  asOf: '--as-of',
  minPosition: '--as-of',
};

/**
 * `ledger plan --revenue N --from D --to D`: the funnelPlan query (README, "Plan vs actual") as two aligned
 * tables: the measured basis per stage, then required vs actual per stage and month.
 */
export const planCommand: CliCommand = {
  words: ['plan'],
  usage: '--revenue N --from DATE --to DATE [options]',
  summary: 'Plan vs actual: the entries each stage needs per month to reach a revenue target, beside what entered',
  details: [
    'Options:',
    '  --revenue <amount>            revenue target of the period (>= 0)',
    '  --from <date>, --to <date>    the period [from, to): month starts in the definition\'s time zone, e.g. 2026-01-01',
    '  --basis-from, --basis-to      the window conversions, lags and the average won value are measured over',
    '                                (default: the 12 months before --from)',
    '  --average-won-value <amount>  instead of the measured average of the deals won in the basis window',
    '  --definition <name@version>   refuse unless the live views are built under this definition',
    '  --scenario <id>               plan and compare within a completed scenario (its definition)',
    '  --as-of <date>                plan and compare with the events recorded at or before this instant',
    '  --json                        print the funnelPlan result as JSON',
    '',
    'Dates are ISO 8601 (2026-01-01 is midnight UTC; give an offset for another zone, e.g. 2026-01-01T00:00:00+01:00).',
    'Stage order, time zone and monthly targets are those of the definition the answering views were built under.',
    'Exit codes: 0 done; 1 the views answering were built under another definition, or the scenario is not ready;',
    '2 bad option (named); 3 unknown definition or scenario.',
  ].join('\n'),
  options: {
    revenue: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'basis-from': { type: 'string' },
    'basis-to': { type: 'string' },
    'average-won-value': { type: 'string' },
    definition: { type: 'string' },
    scenario: { type: 'string' },
    'as-of': { type: 'string' },
  },
  async run(ctx, args) {
    const request = {
      revenueTarget: requiredNumber(args, 'revenue'),
      from: requiredDate(args, 'from'),
      to: requiredDate(args, 'to'),
      basisFrom: optionalDate(args, 'basis-from'),
      basisTo: optionalDate(args, 'basis-to'),
      averageWonValue: optionalNumber(args, 'average-won-value'),
      definition: text(args, 'definition') ?? null,
      scenarioId: text(args, 'scenario') ?? null,
      asOf: optionalDate(args, 'as-of'),
    };
    const service = await ctx.get(PlanService);
    let plan: FunnelPlan;
    try {
      plan = await service.funnelPlan(request);
    } catch (error) {
      if (error instanceof ValidationError) throw new UsageError(`${OPTION_OF[error.field] ?? error.field}: ${error.message}`);
      if (error instanceof FunnelDefinitionNotFoundError) throw new CliError(error.message, EXIT.notFound);
      if (error instanceof GraphQLError) {
        // The read scope refuses with the API's codes (unknown scenario, not ready, another definition).
        throw new CliError(error.message, error.extensions.code === 'NOT_FOUND' ? EXIT.notFound : EXIT.failed);
      }
      throw error;
    }
    if (args.json) ctx.printJson(plan);
    else for (const line of formatPlan(plan, request.averageWonValue !== null)) ctx.print(line);
    return EXIT.ok;
  },
};

function text(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

function optionalNumber(args: ParsedArgs, name: string): number | null {
  const value = text(args, name);
  if (value === undefined) return null;
  const n = Number(value.replace(/_/g, ''));
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got ${JSON.stringify(value)}`);
  return n;
}

function requiredNumber(args: ParsedArgs, name: string): number {
  const n = optionalNumber(args, name);
  if (n === null) throw new UsageError(`--${name} is required`);
  return n;
}

function optionalDate(args: ParsedArgs, name: string): Date | null {
  const value = text(args, name);
  if (value === undefined) return null;
  const date = new Date(value);
  if (value.trim() === '' || Number.isNaN(date.getTime())) throw new UsageError(`--${name} must be an ISO 8601 date or date-time, got ${JSON.stringify(value)}`);
  return date;
}

function requiredDate(args: ParsedArgs, name: string): Date {
  const date = optionalDate(args, name);
  if (date === null) throw new UsageError(`--${name} is required`);
  return date;
}

// ---- text output -----------------------------------------------------------------------------------------------

const num = (value: number | null, digits = 2) =>
  value === null ? '-' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const signed = (value: number | null) => (value === null ? '-' : `${value > 0 ? '+' : ''}${num(value)}`);
const percent = (value: number | null) => (value === null ? '-' : `${(value * 100).toFixed(1)}%`);
const days = (seconds: number | null) => (seconds === null ? '-' : `${num(seconds / 86400)} d`);
const whole = (value: number | null) => (value === null ? '-' : value.toLocaleString('en-US'));

/** The plan as text: a summary line, the basis per stage, then required vs actual per stage and month. */
export function formatPlan(plan: FunnelPlan, averageGiven: boolean): string[] {
  const month = (d: Date) => periodKey(d, 'MONTH', plan.timeZone);
  const lastMonth = month(new Date(plan.to.getTime() - 1));
  const average =
    plan.averageWonValue === null
      ? 'no average won value (no deal won in the basis window; pass --average-won-value)'
      : `average won value ${num(plan.averageWonValue)} (${averageGiven ? 'given' : 'measured'})`;
  const lines = [
    `Plan ${plan.definition} (${plan.timeZone}): revenue ${num(plan.revenueTarget)} over ${month(plan.from)}..${lastMonth}; ${average}; wins required ${num(plan.requiredWins)}.`,
    `Basis [${plan.basisFrom.toISOString()}, ${plan.basisTo.toISOString()}): ${plan.wonDeals} deal${plan.wonDeals === 1 ? '' : 's'} won.`,
    '',
    ...alignedTable(
      ['stage', 'entered', 'advanced', 'conversion', 'lag', 'target/month', 'before period', 'in period', 'note'],
      plan.stages.map((s) => [
        s.stage,
        whole(s.entered),
        whole(s.advanced),
        percent(s.conversion),
        days(s.lagSeconds),
        s.target === null ? '-' : num(s.target),
        num(s.requiredBeforePeriod),
        num(s.requiredInPeriod),
        s.reason ?? '',
      ]),
      [1, 2, 3, 4, 5, 6, 7],
    ),
    '',
    ...alignedTable(
      ['stage', 'month', 'required', 'whole', 'actual', 'difference', 'attainment', 'target'],
      plan.rows.map((r) => [
        r.stage,
        r.leadIn ? `before (from ${month(r.month)})` : month(r.month),
        num(r.required),
        whole(r.requiredWhole),
        whole(r.actual),
        signed(r.difference),
        percent(r.attainment),
        r.target === null ? '-' : num(r.target),
      ]),
      [2, 3, 4, 5, 6, 7],
    ),
  ];
  return lines;
}
