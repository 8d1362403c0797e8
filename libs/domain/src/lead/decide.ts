import { InvalidTransitionError, LeadNotFoundError, ValidationError } from '../shared/errors.js';
import { assertValidLeadId } from './lead-id.js';
import type { LeadCommand, LeadCommandType } from './commands.js';
import {
  CURRENT_SCHEMA_VERSION,
  ORIGINS,
  type Account,
  type Contact,
  type LeadEvent,
  type LeadEventDataMap,
  type LeadEventOf,
  type LeadEventType,
  type Origin,
} from './events.js';
import type { CapturedLead, LeadState, LeadStatus } from './state.js';

export interface DecideContext {
  now: Date;
  /** ISO 4217 code used by MarkLeadWon when the command names no currency (from config). */
  defaultCurrency: string;
}

/** How far ahead of the decision's `now` an occurredAt may lie: tolerates clock skew between callers, no more. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/** BANTT: each of the five components scores 0..20, so the total is 0..100 (shared/domain.md). */
export const SCORE_COMPONENT_MAX = 20;

/**
 * Decides what a command records (pure). Returns exactly one event today; an array so a command may record
 * several facts later without changing callers.
 *
 * Order of checks (the first failing one is reported, so one input always gets the same error):
 *  1. existence: any command but CaptureResponder on an uncaptured lead -> LeadNotFoundError (NOT_FOUND);
 *     CaptureResponder on a captured lead -> InvalidTransitionError ("already captured");
 *  2. field validation and normalisation, occurredAt being a valid Date included -> ValidationError;
 *  3. status transition -> InvalidTransitionError, with a message saying from which statuses it is allowed;
 *  4. time order: occurredAt not earlier than the lead's latest event, not more than 5 minutes after now
 *     -> ValidationError on field 'occurredAt' (BAD_USER_INPUT: the caller fixes its input, not the lead).
 * Errors 2 and 4 are input mistakes whatever the lead's status; 3 is about the lead, reported once the input
 * itself is sound.
 */
export function decide(command: LeadCommand, state: LeadState, context: DecideContext): LeadEvent[] {
  if (command.leadId !== state.leadId) {
    // A wiring bug (the state of another stream was loaded), not a user error.
    throw new Error(`decide: command for lead ${command.leadId} applied to the state of lead ${state.leadId}`);
  }
  // 0. the id itself (reserved and malformed ids never become streams)
  assertValidLeadId(command.leadId);
  // 1. existence
  if (!state.exists && command.type !== 'CaptureResponder') throw new LeadNotFoundError(state.leadId);
  if (state.exists && command.type === 'CaptureResponder') {
    throw new InvalidTransitionError(`Lead ${state.leadId} is already captured: CaptureResponder is only its first event`);
  }
  // 2. fields
  const event = toEvent(command, context);
  // 3. status
  if (state.exists && command.type !== 'CaptureResponder') assertTransitionAllowed(command.type, state);
  // 4. time
  assertInTimeOrder(event.occurredAt, state, context.now);
  return [event];
}

/** Validates and normalises a command into the event it records (checks 2). */
function toEvent(command: LeadCommand, context: DecideContext): LeadEvent {
  const at = occurredAt(command.occurredAt, context.now);
  switch (command.type) {
    case 'CaptureResponder':
      return event('ResponderCaptured', at, {
        channel: requiredText(command.channel, 'channel'),
        campaign: optionalText(command.campaign, 'campaign'),
        origin: origin(command.origin),
        account: account(command.account),
        contact: contact(command.contact),
        attributes: attributes(command.attributes),
        estimatedValue: optionalAmount(command.estimatedValue, 'estimatedValue'),
      });
    case 'ScoreLead': {
      const budget = scoreComponent(command.budget, 'budget');
      const authority = scoreComponent(command.authority, 'authority');
      const need = scoreComponent(command.need, 'need');
      const timeframe = scoreComponent(command.timeframe, 'timeframe');
      const trust = scoreComponent(command.trust, 'trust');
      return event('LeadScored', at, {
        budget,
        authority,
        need,
        timeframe,
        trust,
        total: budget + authority + need + timeframe + trust,
        model: optionalText(command.model, 'model'),
      });
    }
    case 'HandOffLead':
      return event('HandedOff', at, {
        ownerId: requiredText(command.ownerId, 'ownerId'),
        team: optionalText(command.team, 'team'),
        note: optionalText(command.note, 'note'),
        estimatedValue: optionalAmount(command.estimatedValue, 'estimatedValue'),
      });
    case 'AcceptLead':
      return event('Accepted', at, { by: requiredText(command.by, 'by'), note: optionalText(command.note, 'note') });
    case 'RejectLead':
      return event('Rejected', at, {
        by: requiredText(command.by, 'by'),
        reason: requiredText(command.reason, 'reason'),
        note: optionalText(command.note, 'note'),
      });
    case 'RecycleLead':
      return event('Recycled', at, {
        reason: requiredText(command.reason, 'reason'),
        toStage: optionalText(command.toStage, 'toStage'),
        note: optionalText(command.note, 'note'),
      });
    case 'MarkLeadLost':
      return event('Lost', at, {
        reason: requiredText(command.reason, 'reason'),
        value: optionalAmount(command.value, 'value'),
        competitor: optionalText(command.competitor, 'competitor'),
        note: optionalText(command.note, 'note'),
      });
    case 'MarkLeadWon':
      return event('Won', at, {
        amount: positiveAmount(command.amount, 'amount'),
        currency: currency(command.currency, context.defaultCurrency),
      });
    case 'AdvanceLeadStage':
      return event('StageAdvanced', at, {
        step: requiredText(command.step, 'step'),
        value: optionalAmount(command.value, 'value'),
        note: optionalText(command.note, 'note'),
      });
    default:
      return assertNever(command);
  }
}

function event<T extends LeadEventType>(type: T, occurredAt: Date, data: LeadEventDataMap[T]): LeadEvent {
  return { type, schemaVersion: CURRENT_SCHEMA_VERSION[type], data, occurredAt } as LeadEventOf<T>;
}

// ---- 3. status transitions ------------------------------------------------------------------------------

type TransitionCommand = Exclude<LeadCommandType, 'CaptureResponder'>;

const OPEN_STATUSES: readonly LeadStatus[] = ['new', 'nurturing', 'handed_off', 'accepted', 'rejected'];

/** From which statuses each command is allowed, and the words that explain a refusal. */
export const ALLOWED_FROM: { readonly [C in TransitionCommand]: { from: readonly LeadStatus[]; done: string; why?: string } } = {
  ScoreLead: { from: OPEN_STATUSES, done: 'scored', why: 'a closed lead is not scored' },
  HandOffLead: { from: ['new', 'nurturing', 'rejected'], done: 'handed off' },
  // new/nurturing: a lead sales (or a partner) sourced itself skips the hand-off; see assertTransitionAllowed.
  AcceptLead: { from: ['new', 'nurturing', 'handed_off'], done: 'accepted' },
  RejectLead: { from: ['handed_off'], done: 'rejected', why: 'sales rejects what marketing handed off' },
  RecycleLead: { from: ['new', 'nurturing', 'accepted', 'rejected', 'lost'], done: 'recycled' },
  MarkLeadLost: { from: OPEN_STATUSES, done: 'marked lost' },
  MarkLeadWon: { from: ['accepted'], done: 'marked won', why: 'sales must accept it first' },
  AdvanceLeadStage: { from: ['accepted'], done: 'advanced', why: 'downstream steps belong to sales' },
};

/** Extra explanation for a few refusals worth spelling out. */
function refusalHint(type: TransitionCommand, status: LeadStatus): string | undefined {
  if (type === 'RecycleLead' && status === 'handed_off') return 'sales must accept or reject it first';
  if (status === 'won') return 'a won lead is closed for good';
  return ALLOWED_FROM[type].why;
}

/** Statuses from which only a lead marketing did not generate may be accepted without a hand-off. */
const DIRECT_ACCEPT_STATUSES: readonly LeadStatus[] = ['new', 'nurturing'];

function assertTransitionAllowed(type: TransitionCommand, state: CapturedLead): void {
  const rule = ALLOWED_FROM[type];
  // A marketing lead reaches sales through a hand-off (which starts the SLA clock); only a lead sales or a
  // partner sourced may be accepted directly, so "accept before hand-off" of a marketing lead is refused.
  if (type === 'AcceptLead' && DIRECT_ACCEPT_STATUSES.includes(state.status) && state.source.origin === 'MARKETING') {
    throw new InvalidTransitionError(
      `Lead ${state.leadId} is ${state.status}: a marketing-generated lead is accepted only after it is handed off ` +
        '(direct acceptance is for leads sales or a partner sourced)',
    );
  }
  if (rule.from.includes(state.status)) return;
  const hint = refusalHint(type, state.status);
  throw new InvalidTransitionError(
    `Lead ${state.leadId} is ${state.status}: it can be ${rule.done} only from ${orList(rule.from)}` + (hint ? ` (${hint})` : ''),
  );
}

function orList(items: readonly string[]): string {
  return items.length === 1 ? items[0]! : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

// ---- 4. time ------------------------------------------------------------------------------------------

function occurredAt(value: unknown, now: Date): Date {
  if (value === undefined || value === null) return new Date(now.getTime());
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new ValidationError('occurredAt', 'occurredAt must be a valid date');
  }
  return new Date(value.getTime()); // a copy: the caller's Date is mutable
}

function assertInTimeOrder(at: Date, state: LeadState, now: Date): void {
  // Equal instants are allowed: two facts may share a timestamp (imports with minute precision).
  if (state.exists && at.getTime() < state.lastOccurredAt.getTime()) {
    throw new ValidationError(
      'occurredAt',
      `occurredAt ${at.toISOString()} is earlier than the lead's latest event (${state.lastOccurredAt.toISOString()}): ` +
        'events of a lead are recorded in business-time order',
    );
  }
  if (at.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) {
    throw new ValidationError(
      'occurredAt',
      `occurredAt ${at.toISOString()} is in the future (now is ${now.toISOString()}; at most 5 minutes ahead is tolerated)`,
    );
  }
}

// ---- 2. field validation and normalisation -------------------------------------------------------------

function requiredText(value: unknown, field: string): string {
  const text = optionalText(value, field);
  if (text === null) throw new ValidationError(field, `${field} is required and must not be empty`);
  return text;
}

/** Trimmed text; absent, null or blank -> null. */
function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new ValidationError(field, `${field} must be a string`);
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** A money amount that may be absent: finite and >= 0. */
function optionalAmount(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(field, `${field} must be a finite number >= 0`);
  }
  return value;
}

function positiveAmount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(field, `${field} is required and must be a finite number > 0`);
  }
  return value;
}

function scoreComponent(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > SCORE_COMPONENT_MAX) {
    throw new ValidationError(field, `${field} must be an integer from 0 to ${SCORE_COMPONENT_MAX}`);
  }
  return value;
}

function origin(value: unknown): Origin {
  const trimmed = typeof value === 'string' ? value.trim() : value;
  const found = ORIGINS.find((o) => o === trimmed);
  if (!found) throw new ValidationError('origin', `origin must be one of ${ORIGINS.join(', ')}`);
  return found;
}

function currency(value: unknown, defaultCurrency: string): string {
  const code = optionalText(value, 'currency') ?? defaultCurrency.trim();
  if (!/^[A-Za-z]{3}$/.test(code)) throw new ValidationError('currency', 'currency must be a 3-letter ISO 4217 code');
  return code.toUpperCase();
}

/**
 * A plain object: {} or Object.create(null) (graphql-js builds input objects without a prototype); never an
 * array, Date or other class instance.
 */
function plainObject(value: unknown, field: string): Record<string, unknown> {
  const proto = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (proto !== Object.prototype && proto !== null) throw new ValidationError(field, `${field} must be an object`);
  return value as Record<string, unknown>;
}

/** Unknown keys are refused, not dropped: a misspelt field would otherwise vanish without a word. */
function knownKeysOnly(object: Record<string, unknown>, known: readonly string[], field: string): void {
  const unknown = Object.keys(object).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    throw new ValidationError(`${field}.${unknown}`, `${field}.${unknown} is not a known field (${known.join(', ')})`);
  }
}

const ACCOUNT_FIELDS = ['name', 'domain', 'industry', 'employees', 'country'] as const;
const CONTACT_FIELDS = ['name', 'email', 'title'] as const;

function account(value: unknown): Account | null {
  if (value === undefined || value === null) return null;
  const input = plainObject(value, 'account');
  knownKeysOnly(input, ACCOUNT_FIELDS, 'account');
  let employees: number | null = null;
  if (input.employees !== undefined && input.employees !== null) {
    if (typeof input.employees !== 'number' || !Number.isInteger(input.employees) || input.employees < 0) {
      throw new ValidationError('account.employees', 'account.employees must be an integer >= 0');
    }
    employees = input.employees;
  }
  return {
    name: optionalText(input.name, 'account.name'),
    domain: optionalText(input.domain, 'account.domain'),
    industry: optionalText(input.industry, 'account.industry'),
    employees,
    country: optionalText(input.country, 'account.country'),
  };
}

function contact(value: unknown): Contact | null {
  if (value === undefined || value === null) return null;
  const input = plainObject(value, 'contact');
  knownKeysOnly(input, CONTACT_FIELDS, 'contact');
  return {
    name: optionalText(input.name, 'contact.name'),
    email: optionalText(input.email, 'contact.email'),
    title: optionalText(input.title, 'contact.title'),
  };
}

/**
 * A flat map of string values (a source dimension). Keys and values are trimmed; a blank value means "no
 * value" and is left out, as a blank optional string becomes null (the lead then falls in the `(none)` group).
 */
function attributes(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  const input = plainObject(value, 'attributes');
  const result: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [rawKey, raw] of Object.entries(input)) {
    const key = rawKey.trim();
    if (key === '') throw new ValidationError('attributes', 'attributes keys must not be empty');
    // '__proto__' would set the map's prototype instead of a key, here and in every reader that copies it.
    if (key === '__proto__') throw new ValidationError('attributes', 'attributes key __proto__ is not allowed');
    if (typeof raw !== 'string') {
      throw new ValidationError(`attributes.${key}`, `attributes.${key} must be a string (attributes is a flat map of strings)`);
    }
    if (seen.has(key)) throw new ValidationError(`attributes.${key}`, `attributes.${key} is given twice (keys are trimmed)`);
    seen.add(key);
    const text = raw.trim();
    if (text !== '') result[key] = text;
  }
  return result;
}

function assertNever(value: never): never {
  throw new Error(`Unknown command: ${JSON.stringify(value)}`);
}
