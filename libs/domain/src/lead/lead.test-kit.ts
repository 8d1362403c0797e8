/// <reference types="jest" />
// The reference keeps this helper compiling under tsconfig.build.json (types: node only); it is test code,
// never exported from the library's index.
import { DomainError, ValidationError, type DomainErrorCode } from '../shared/errors.js';
import type { LeadCommand } from './commands.js';
import { decide, type DecideContext } from './decide.js';
import {
  CURRENT_SCHEMA_VERSION,
  type LeadEvent,
  type LeadEventDataMap,
  type LeadEventOf,
  type LeadEventType,
} from './events.js';
import { foldLead } from './evolve.js';

export const LEAD_ID = 'lead-1';
/** Start of the given history; `at(n)` is n minutes later. */
export const T0 = new Date('2024-03-01T09:00:00.000Z');
export const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);
/** The decision's "now": well after every given event. */
export const NOW = new Date('2024-03-15T12:00:00.000Z');
export const CONTEXT: DecideContext = { now: NOW, defaultCurrency: 'EUR' };

/** An event of the current schema version. */
export function event<T extends LeadEventType>(type: T, data: LeadEventDataMap[T], occurredAt: Date): LeadEventOf<T> {
  return { type, schemaVersion: CURRENT_SCHEMA_VERSION[type], data, occurredAt } as LeadEventOf<T>;
}

/** Given-history builders with plausible defaults; each takes the fields a test cares about. */
export const events = {
  captured: (data: Partial<LeadEventDataMap['ResponderCaptured']> = {}, occurredAt = at(0)) =>
    event(
      'ResponderCaptured',
      { channel: 'web', campaign: null, origin: 'MARKETING', account: null, contact: null, attributes: {}, estimatedValue: null, ...data },
      occurredAt,
    ),
  scored: (total: number, occurredAt = at(1)) =>
    event('LeadScored', { budget: total, authority: 0, need: 0, timeframe: 0, trust: 0, total, model: null }, occurredAt),
  handedOff: (data: Partial<LeadEventDataMap['HandedOff']> = {}, occurredAt = at(2)) =>
    event('HandedOff', { ownerId: 'rep-1', team: null, note: null, estimatedValue: null, ...data }, occurredAt),
  accepted: (occurredAt = at(3)) => event('Accepted', { by: 'rep-1', note: null }, occurredAt),
  rejected: (occurredAt = at(3)) => event('Rejected', { by: 'rep-1', reason: 'no-budget', note: null }, occurredAt),
  recycled: (occurredAt = at(4)) => event('Recycled', { reason: 'timing', toStage: null, note: null }, occurredAt),
  lost: (data: Partial<LeadEventDataMap['Lost']> = {}, occurredAt = at(5)) =>
    event('Lost', { reason: 'competitor', value: null, competitor: null, note: null, ...data }, occurredAt),
  won: (amount: number, currency = 'EUR', occurredAt = at(6)) => event('Won', { amount, currency }, occurredAt),
  advanced: (step: string, value: number | null = null, occurredAt = at(5)) =>
    event('StageAdvanced', { step, value, note: null }, occurredAt),
};

/** Histories that leave the lead in each status (events at increasing minutes). */
export const histories = {
  new: (): LeadEvent[] => [events.captured()],
  nurturing: (): LeadEvent[] => [events.captured(), events.recycled(at(1))],
  handed_off: (): LeadEvent[] => [events.captured(), events.handedOff()],
  accepted: (): LeadEvent[] => [events.captured(), events.handedOff(), events.accepted()],
  rejected: (): LeadEvent[] => [events.captured(), events.handedOff(), events.rejected()],
  won: (): LeadEvent[] => [events.captured(), events.handedOff(), events.accepted(), events.won(1000)],
  lost: (): LeadEvent[] => [events.captured(), events.lost({}, at(1))],
};

type ErrorClass = abstract new (...args: never[]) => DomainError;

/**
 * given(history).when(command).then(expectedEvents) / .thenThrows(ErrorClass, code, fieldOrMessagePart):
 * the decider tested as a function from past facts and a command to new facts (or a refusal).
 */
export function given(history: readonly LeadEvent[], leadId = LEAD_ID) {
  const state = foldLead(leadId, history);
  return {
    when(command: LeadCommand, context: DecideContext = CONTEXT) {
      const run = () => decide(command, state, context);
      return {
        then(expected: readonly LeadEvent[]): void {
          // toStrictEqual: an undefined where null is expected is a normalisation bug, not a match.
          expect(run()).toStrictEqual(expected);
        },
        /** For a ValidationError the third argument is the exact field; for other errors a part of the message. */
        thenThrows(errorClass: ErrorClass, code: DomainErrorCode, fieldOrMessagePart?: string): DomainError {
          let thrown: unknown;
          try {
            run();
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(errorClass);
          const error = thrown as DomainError;
          expect(error.code).toBe(code);
          if (fieldOrMessagePart !== undefined) {
            if (error instanceof ValidationError) expect(error.field).toBe(fieldOrMessagePart);
            else expect(error.message).toContain(fieldOrMessagePart);
          }
          return error;
        },
      };
    },
  };
}
