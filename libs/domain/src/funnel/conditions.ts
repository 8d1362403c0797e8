import { ORIGINS, type LeadEvent, type LeadEventType } from '../lead/events.js';
import { conditionsOf, type Condition, type ConditionScalar, type StageRule } from './definition.js';

/** The type of a field a condition may test. `values` lists the allowed values of an enumerated string. */
export interface ConditionFieldType {
  type: 'number' | 'string';
  values?: readonly string[];
}

const text: ConditionFieldType = { type: 'string' };
const number: ConditionFieldType = { type: 'number' };

/**
 * The fields a rule condition may test, per event type (the event's `data`, nested fields with dots). Besides
 * these, a ResponderCaptured condition may test any capture attribute as `attributes.<key>` (a string).
 * Contact fields are personal data and are not offered.
 */
export const CONDITION_FIELDS: { readonly [T in LeadEventType]: Readonly<Record<string, ConditionFieldType>> } = {
  ResponderCaptured: {
    channel: text,
    campaign: text,
    origin: { type: 'string', values: ORIGINS },
    estimatedValue: number,
    'account.name': text,
    'account.domain': text,
    'account.industry': text,
    'account.employees': number,
    'account.country': text,
  },
  LeadScored: { budget: number, authority: number, need: number, timeframe: number, trust: number, total: number, model: text },
  HandedOff: { ownerId: text, team: text, note: text, estimatedValue: number },
  Accepted: { by: text, note: text },
  Rejected: { by: text, reason: text, note: text },
  Recycled: { reason: text, toStage: text, note: text },
  Lost: { reason: text, value: number, competitor: text, note: text },
  Won: { amount: number, currency: text },
  StageAdvanced: { step: text, value: number, note: text },
};

const ATTRIBUTES_PREFIX = 'attributes.';

/** The type of `field` for events of `type`, or undefined when conditions cannot test it. */
export function conditionFieldType(type: LeadEventType, field: string): ConditionFieldType | undefined {
  if (Object.hasOwn(CONDITION_FIELDS[type], field)) return CONDITION_FIELDS[type][field];
  if (type === 'ResponderCaptured' && field.startsWith(ATTRIBUTES_PREFIX) && field.length > ATTRIBUTES_PREFIX.length) return text;
  return undefined;
}

/** The value of a (dotted) field of the event's data; absent, null or not a scalar -> null. */
export function conditionFieldValue(event: LeadEvent, field: string): ConditionScalar {
  const data = event.data as unknown as Record<string, unknown>;
  let value: unknown;
  if (event.type === 'ResponderCaptured' && field.startsWith(ATTRIBUTES_PREFIX)) {
    // An attribute key may itself contain dots: everything after the prefix is the key.
    value = ownValue(data.attributes, field.slice(ATTRIBUTES_PREFIX.length));
  } else {
    value = field.split('.').reduce<unknown>((object, part) => ownValue(object, part), data);
  }
  return typeof value === 'string' || typeof value === 'number' ? value : null;
}

function ownValue(object: unknown, key: string): unknown {
  return typeof object === 'object' && object !== null && Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

/** Whether one condition holds for the event (strict equality; numeric operators need two numbers). */
export function conditionHolds(condition: Condition, event: LeadEvent): boolean {
  const actual = conditionFieldValue(event, condition.field);
  const expected = condition.value;
  switch (condition.op) {
    case 'eq':
      return actual === expected;
    case 'neq':
      return actual !== expected;
    case 'in':
      return Array.isArray(expected) && (expected as readonly ConditionScalar[]).includes(actual);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof actual !== 'number' || typeof expected !== 'number') return false;
      if (condition.op === 'gt') return actual > expected;
      if (condition.op === 'gte') return actual >= expected;
      if (condition.op === 'lt') return actual < expected;
      return actual <= expected;
    }
    default:
      return false;
  }
}

/** Whether the event matches the rule: same type and every condition holds. */
export function ruleMatches(rule: StageRule, event: LeadEvent): boolean {
  return rule.event === event.type && conditionsOf(rule).every((condition) => conditionHolds(condition, event));
}
