import { LEAD_EVENT_TYPES, isLeadEventType, type LeadEventType } from '../lead/events.js';
import { CONDITION_FIELDS, conditionFieldType } from './conditions.js';
import {
  CONDITION_OPS,
  DEFAULT_SLA,
  NUMERIC_CONDITION_OPS,
  type SlaBusinessHours,
  type Condition,
  type ConditionOp,
  type ConditionScalar,
  type FunnelDefinition,
  type SlaDefinition,
  type StageDefinition,
  type StageRule,
} from './definition.js';
import { deepFreeze } from './freeze.js';

/** One problem of a definition document; `path` is its JSON path, e.g. `stages[1].enteredBy[0].when.op` ('$' = the document). */
export interface FunnelDefinitionError {
  path: string;
  message: string;
}

export type FunnelDefinitionValidation =
  | { ok: true; definition: FunnelDefinition }
  | { ok: false; errors: FunnelDefinitionError[] };

/** Events that close visits by their own rules; a stage cannot be entered by them. */
export const NON_ENTERING_EVENT_TYPES: readonly LeadEventType[] = ['Rejected', 'Recycled', 'Lost'];

export const STAGE_KEY_PATTERN = /^[a-z0-9_]+$/;
export const DEFINITION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const MAX_NAME_LENGTH = 100;

const ROOT_KEYS = ['name', 'version', 'description', 'timeZone', 'stages', 'recycleTo', 'sla'];
const STAGE_KEYS = ['key', 'label', 'enteredBy', 'enterFromNoStage', 'terminal', 'stuckLimitSeconds', 'monthlyTarget'];
const RULE_KEYS = ['event', 'when'];
const CONDITION_KEYS = ['field', 'op', 'value'];
const SLA_KEYS = ['workingDays', 'timeZone', 'holidays', 'businessHours', 'resolvedBy', 'startedBy'];
const HOURS_KEYS = ['start', 'end'];

/**
 * Checks an untrusted definition document (e.g. parsed JSON from publishFunnelDefinition or runScenario) and
 * returns either every problem found, each with its JSON path, or the definition with its defaults filled in
 * (a new, frozen object: timeZone 'UTC', recycleTo = the first stage, the default SLA, and per stage
 * enterFromNoStage true, terminal false, stuckLimitSeconds and monthlyTarget null).
 *
 * Rules: name (letters, digits, `_ . -`, no '@'), version a positive integer; at least one stage; stage keys
 * unique and [a-z0-9_]+; rules name a known event type other than Rejected/Recycled/Lost; conditions test a
 * field of that event type (CONDITION_FIELDS) with a known operator and a value of the field's type (numbers
 * for gt/gte/lt/lte, a non-empty list for `in`, null allowed for eq/neq); recycleTo names a non-terminal
 * stage; stuck limits > 0; monthly targets >= 0; time zones that Intl accepts; SLA workingDays > 0, holidays
 * YYYY-MM-DD dates, business hours HH:MM with start < end, resolvedBy a non-empty list of known event types
 * without duplicates or the startedBy event. Unknown keys are errors (a misspelt option must not vanish).
 */
export function validateFunnelDefinition(doc: unknown): FunnelDefinitionValidation {
  const issues = new Issues();
  const root = object(doc, '$', issues);
  if (root === undefined) return { ok: false, errors: issues.list };
  unknownKeys(root, ROOT_KEYS, '', issues);

  const name = definitionName(root.name, issues);
  const version = positiveInteger(root.version, 'version', issues);
  const description = optionalString(root.description, 'description', issues);
  const timeZone = root.timeZone === undefined ? 'UTC' : timeZoneName(root.timeZone, 'timeZone', issues);
  const { stages, ...stageKeys } = stageList(root.stages, issues);
  const recycleTo = recycleTarget(root.recycleTo, stageKeys, issues);
  const sla = slaDefinition(root.sla, issues);

  if (issues.count > 0) return { ok: false, errors: issues.list };
  const definition: FunnelDefinition = {
    name: name!,
    version: version!,
    ...(description === undefined ? {} : { description }),
    timeZone: timeZone!,
    stages: stages!,
    recycleTo: recycleTo!,
    sla: sla!,
  };
  return { ok: true, definition: deepFreeze(definition) };
}

/** Collects the errors; `add` returns undefined so a check can `return issues.add(...)`. */
class Issues {
  readonly list: FunnelDefinitionError[] = [];
  add(path: string, message: string): undefined {
    this.list.push({ path, message });
    return undefined;
  }
  get count(): number {
    return this.list.length;
  }
}

// ---- root ----------------------------------------------------------------------------------------------

function definitionName(value: unknown, issues: Issues): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return issues.add('name', 'name is required: a non-empty string');
  if (value.length > MAX_NAME_LENGTH) return issues.add('name', `name must be at most ${MAX_NAME_LENGTH} characters`);
  if (!DEFINITION_NAME_PATTERN.test(value)) {
    return issues.add('name', "name may contain only letters, digits, '_', '.' and '-' (it is referenced as name@version)");
  }
  return value;
}

/** The key and terminal flag of every stage whose key is valid; `complete` = every stage had one. */
interface StageKeys {
  keys: { key: string; terminal: boolean }[];
  complete: boolean;
}

function recycleTarget(value: unknown, stages: StageKeys, issues: Issues): string | undefined {
  if (value !== undefined && typeof value !== 'string') return issues.add('recycleTo', 'recycleTo must be a stage key');
  if (!stages.complete) return undefined; // the stage list has errors of its own
  const key = value ?? stages.keys[0]?.key;
  const stage = stages.keys.find((s) => s.key === key);
  const known = stages.keys.map((s) => s.key).join(', ');
  if (stage === undefined) return issues.add('recycleTo', `recycleTo '${String(key)}' is not a stage of the definition (${known})`);
  if (stage.terminal) return issues.add('recycleTo', `recycleTo '${key}' is a terminal stage: a recycled lead must be able to move on`);
  return key;
}

// ---- stages --------------------------------------------------------------------------------------------

function stageList(value: unknown, issues: Issues): { stages: StageDefinition[] | undefined } & StageKeys {
  const none = { stages: undefined, keys: [], complete: false };
  if (!Array.isArray(value)) return issues.add('stages', 'stages is required: a list of at least one stage') ?? none;
  if (value.length === 0) return issues.add('stages', 'stages must list at least one stage') ?? none;
  const keys: StageKeys['keys'] = [];
  const seen = new Map<string, number>();
  const stages = value.map((item, i) => {
    const stage = stageDefinition(item, `stages[${i}]`, issues);
    // Duplicates are checked on every valid key, whatever the other fields of the stage.
    const raw = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    if (typeof raw.key !== 'string' || !STAGE_KEY_PATTERN.test(raw.key)) return undefined;
    const first = seen.get(raw.key);
    if (first !== undefined) return issues.add(`stages[${i}].key`, `stage key '${raw.key}' is already used by stages[${first}]`);
    seen.set(raw.key, i);
    keys.push({ key: raw.key, terminal: raw.terminal === true });
    return stage;
  });
  const complete = keys.length === value.length;
  return { stages: stages.every((s) => s !== undefined) ? (stages as StageDefinition[]) : undefined, keys, complete };
}

function stageDefinition(value: unknown, path: string, issues: Issues): StageDefinition | undefined {
  const input = object(value, path, issues);
  if (input === undefined) return undefined;
  const errorsBefore = issues.count;
  unknownKeys(input, STAGE_KEYS, path, issues);

  let key: string | undefined;
  if (typeof input.key !== 'string' || input.key === '') issues.add(`${path}.key`, 'key is required: a non-empty string');
  else if (!STAGE_KEY_PATTERN.test(input.key)) issues.add(`${path}.key`, `key '${input.key}' may contain only a-z, 0-9 and '_'`);
  else key = input.key;

  const label = optionalString(input.label, `${path}.label`, issues);
  let enteredBy: StageRule[] | undefined;
  if (!Array.isArray(input.enteredBy)) {
    issues.add(`${path}.enteredBy`, 'enteredBy is required: a list of rules (may be empty for a stage reached only by recycling)');
  } else {
    const rules = input.enteredBy.map((rule, i) => stageRule(rule, `${path}.enteredBy[${i}]`, issues));
    if (rules.every((r) => r !== undefined)) enteredBy = rules as StageRule[];
  }
  const enterFromNoStage = optionalBoolean(input.enterFromNoStage, `${path}.enterFromNoStage`, issues) ?? true;
  const terminal = optionalBoolean(input.terminal, `${path}.terminal`, issues) ?? false;
  const stuckLimitSeconds = optionalNumber(input.stuckLimitSeconds, `${path}.stuckLimitSeconds`, 'a number of seconds > 0', (n) => n > 0, issues);
  const monthlyTarget = optionalNumber(input.monthlyTarget, `${path}.monthlyTarget`, 'a number >= 0', (n) => n >= 0, issues);

  if (issues.count > errorsBefore || key === undefined || enteredBy === undefined) return undefined;
  return {
    key,
    ...(label === undefined ? {} : { label }),
    enteredBy,
    enterFromNoStage,
    terminal,
    stuckLimitSeconds: stuckLimitSeconds ?? null,
    monthlyTarget: monthlyTarget ?? null,
  };
}

function stageRule(value: unknown, path: string, issues: Issues): StageRule | undefined {
  const input = object(value, path, issues);
  if (input === undefined) return undefined;
  unknownKeys(input, RULE_KEYS, path, issues);
  const event = input.event;
  if (typeof event !== 'string' || !isLeadEventType(event)) {
    issues.add(`${path}.event`, `event must be one of ${LEAD_EVENT_TYPES.join(', ')}`);
    return undefined;
  }
  if (NON_ENTERING_EVENT_TYPES.includes(event)) {
    issues.add(`${path}.event`, `${event} cannot enter a stage: it closes the current visit by its own rule (see shared/metrics.md)`);
    return undefined;
  }
  const when = input.when;
  if (when === undefined || when === null) return { event };
  if (Array.isArray(when)) {
    if (when.length === 0) return issues.add(`${path}.when`, 'when must not be an empty list (omit it to match every event)');
    const conditions = when.map((c, i) => condition(c, event, `${path}.when[${i}]`, issues));
    return conditions.every((c) => c !== undefined) ? { event, when: conditions as Condition[] } : undefined;
  }
  const single = condition(when, event, `${path}.when`, issues);
  return single === undefined ? undefined : { event, when: single };
}

function condition(value: unknown, event: LeadEventType, path: string, issues: Issues): Condition | undefined {
  const input = object(value, path, issues);
  if (input === undefined) return undefined;
  unknownKeys(input, CONDITION_KEYS, path, issues);

  let fieldType: ReturnType<typeof conditionFieldType>;
  if (typeof input.field !== 'string' || input.field === '') {
    issues.add(`${path}.field`, 'field is required: the name of a field of the event');
  } else {
    fieldType = conditionFieldType(event, input.field);
    if (fieldType === undefined) {
      const known = Object.keys(CONDITION_FIELDS[event]).concat(event === 'ResponderCaptured' ? ['attributes.<key>'] : []);
      issues.add(`${path}.field`, `${event} has no field '${input.field}' (known: ${known.join(', ')})`);
    }
  }
  const op = input.op;
  if (typeof op !== 'string' || !(CONDITION_OPS as readonly string[]).includes(op)) {
    issues.add(`${path}.op`, `op must be one of ${CONDITION_OPS.join(', ')}`);
    return undefined;
  }
  const typedOp = op as ConditionOp;
  const field = input.field as string;
  const raw = input.value;

  if (NUMERIC_CONDITION_OPS.includes(typedOp)) {
    if (fieldType !== undefined && fieldType.type !== 'number') {
      return issues.add(`${path}.op`, `${typedOp} compares numbers, but ${event}.${field} is a ${fieldType.type}`);
    }
    if (typeof raw !== 'number' || !Number.isFinite(raw)) return issues.add(`${path}.value`, `${typedOp} needs a finite number as value`);
    return fieldType === undefined ? undefined : { field, op: typedOp, value: raw };
  }
  if (typedOp === 'in') {
    if (!Array.isArray(raw) || raw.length === 0) return issues.add(`${path}.value`, 'in needs a non-empty list of values');
    const items = raw.map((item, i) => scalar(item, fieldType, `${path}.value[${i}]`, event, field, issues));
    return fieldType !== undefined && items.every((item) => item !== undefined) ? { field, op: typedOp, value: items as ConditionScalar[] } : undefined;
  }
  const single = scalar(raw, fieldType, `${path}.value`, event, field, issues);
  return fieldType === undefined || single === undefined ? undefined : { field, op: typedOp, value: single };
}

/** A value compared with a field: of the field's type (one of its values if enumerated), or null. */
function scalar(
  value: unknown,
  fieldType: ReturnType<typeof conditionFieldType>,
  path: string,
  event: LeadEventType,
  field: string,
  issues: Issues,
): ConditionScalar | undefined {
  if (value === null) return null;
  if (value === undefined) return issues.add(path, 'value is required (null tests for an absent value)');
  if (typeof value !== 'string' && (typeof value !== 'number' || !Number.isFinite(value))) {
    return issues.add(path, 'value must be a string, a finite number or null');
  }
  if (fieldType === undefined) return value; // the field's own error is reported
  if (typeof value !== fieldType.type) return issues.add(path, `${event}.${field} is a ${fieldType.type}: the value must be one too (or null)`);
  if (fieldType.values !== undefined && !fieldType.values.includes(value as string)) {
    return issues.add(path, `${event}.${field} is one of ${fieldType.values.join(', ')}`);
  }
  return value;
}

// ---- SLA -----------------------------------------------------------------------------------------------

function slaDefinition(value: unknown, issues: Issues): SlaDefinition | undefined {
  if (value === undefined || value === null) return DEFAULT_SLA;
  const input = object(value, 'sla', issues);
  if (input === undefined) return undefined;
  const errorsBefore = issues.count;
  unknownKeys(input, SLA_KEYS, 'sla', issues);

  const workingDays =
    input.workingDays === undefined
      ? DEFAULT_SLA.workingDays
      : optionalNumber(input.workingDays, 'sla.workingDays', 'a number of working days > 0', (n) => n > 0, issues);
  const timeZone = input.timeZone === undefined || input.timeZone === null ? undefined : timeZoneName(input.timeZone, 'sla.timeZone', issues);
  const holidays = input.holidays === undefined ? [] : holidayList(input.holidays, issues);
  const businessHours = input.businessHours === undefined || input.businessHours === null ? null : hours(input.businessHours, issues);
  const startedBy = input.startedBy === undefined ? DEFAULT_SLA.startedBy : eventType(input.startedBy, 'sla.startedBy', issues);
  const resolvedBy = input.resolvedBy === undefined ? [...DEFAULT_SLA.resolvedBy] : eventTypeList(input.resolvedBy, issues);
  if (startedBy !== undefined && resolvedBy?.includes(startedBy)) {
    issues.add(`sla.resolvedBy[${resolvedBy.indexOf(startedBy)}]`, `${startedBy} starts the SLA case (startedBy): it cannot also resolve it`);
  }

  if (issues.count > errorsBefore) return undefined;
  return {
    workingDays: workingDays!,
    ...(timeZone === undefined ? {} : { timeZone }),
    holidays: holidays!,
    businessHours: businessHours ?? null,
    resolvedBy: resolvedBy!,
    startedBy: startedBy!,
  };
}

function holidayList(value: unknown, issues: Issues): string[] | undefined {
  if (!Array.isArray(value)) return issues.add('sla.holidays', 'holidays must be a list of dates (YYYY-MM-DD)');
  const dates = value.map((item, i) => (isCalendarDate(item) ? item : issues.add(`sla.holidays[${i}]`, 'a holiday must be a date YYYY-MM-DD')));
  return dates.every((d) => d !== undefined) ? (dates as string[]) : undefined;
}

function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value; // rejects 2024-02-30
}

function hours(value: unknown, issues: Issues): SlaBusinessHours | undefined {
  const input = object(value, 'sla.businessHours', issues);
  if (input === undefined) return undefined;
  unknownKeys(input, HOURS_KEYS, 'sla.businessHours', issues);
  const start = clockTime(input.start, false, 'sla.businessHours.start', issues);
  const end = clockTime(input.end, true, 'sla.businessHours.end', issues);
  if (start === undefined || end === undefined) return undefined;
  if (start >= end) return issues.add('sla.businessHours', `start (${start}) must be before end (${end})`);
  return { start, end };
}

function clockTime(value: unknown, allow24: boolean, path: string, issues: Issues): string | undefined {
  const ok = typeof value === 'string' && (/^([01]\d|2[0-3]):[0-5]\d$/.test(value) || (allow24 && value === '24:00'));
  return ok ? value : issues.add(path, `must be a local time HH:MM (00:00 to ${allow24 ? '24:00' : '23:59'})`);
}

function eventType(value: unknown, path: string, issues: Issues): LeadEventType | undefined {
  return typeof value === 'string' && isLeadEventType(value) ? value : issues.add(path, `must be one of ${LEAD_EVENT_TYPES.join(', ')}`);
}

function eventTypeList(value: unknown, issues: Issues): LeadEventType[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return issues.add('sla.resolvedBy', 'resolvedBy must be a non-empty list of event types');
  const types = value.map((item, i) => {
    const type = eventType(item, `sla.resolvedBy[${i}]`, issues);
    if (type !== undefined && value.indexOf(item) !== i) return issues.add(`sla.resolvedBy[${i}]`, `${type} is listed twice`);
    return type;
  });
  return types.every((t) => t !== undefined) ? (types as LeadEventType[]) : undefined;
}

// ---- shared checks -------------------------------------------------------------------------------------

function object(value: unknown, path: string, issues: Issues): Record<string, unknown> | undefined {
  const proto = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (proto !== Object.prototype && proto !== null) return issues.add(path, path === '$' ? 'the definition must be a JSON object' : 'must be an object');
  return value as Record<string, unknown>;
}

function unknownKeys(input: Record<string, unknown>, known: readonly string[], path: string, issues: Issues): void {
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) issues.add(path === '' ? key : `${path}.${key}`, `unknown key '${key}' (known: ${known.join(', ')})`);
  }
}

function optionalString(value: unknown, path: string, issues: Issues): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : issues.add(path, 'must be a string');
}

function optionalBoolean(value: unknown, path: string, issues: Issues): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'boolean' ? value : issues.add(path, 'must be true or false');
}

function optionalNumber(value: unknown, path: string, what: string, accept: (n: number) => boolean, issues: Issues): number | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'number' && Number.isFinite(value) && accept(value) ? value : issues.add(path, `must be ${what}`);
}

function positiveInteger(value: unknown, path: string, issues: Issues): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : issues.add(path, `${path} is required: a positive integer`);
}

function timeZoneName(value: unknown, path: string, issues: Issues): string | undefined {
  if (typeof value !== 'string' || value === '') return issues.add(path, 'must be an IANA time zone name, e.g. Europe/Berlin');
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value;
  } catch {
    return issues.add(path, `'${value}' is not a time zone this runtime knows (IANA names, e.g. Europe/Berlin)`);
  }
}
