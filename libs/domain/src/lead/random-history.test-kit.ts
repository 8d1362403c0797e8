/// <reference types="jest" />
// Random VALID lead histories for property tests (domain specs and read-model integration tests): a random list
// of commands is run through the lead's decider and the commands it refuses are dropped, so every history
// respects the write side's rules (accept after hand-off, nothing after won, time order...).
import fc from 'fast-check';
import { DomainError } from '../shared/errors.js';
import type { LeadCommand } from './commands.js';
import { decide } from './decide.js';
import { ORIGINS, type LeadEvent, type Origin } from './events.js';
import { evolve, initialLeadState } from './evolve.js';
import type { LeadState } from './state.js';

export const RANDOM_HISTORY_START = Date.parse('2024-01-01T00:00:00.000Z');
export const RANDOM_HISTORY_NOW = new Date('2030-01-01T00:00:00.000Z');

export type LeadStep = { command: Omit<LeadCommand, 'leadId' | 'occurredAt'>; delayMinutes: number };
export interface RandomLead {
  origin: Origin;
  estimatedValue: number | null;
  steps: LeadStep[];
}

const component = fc.integer({ min: 0, max: 20 });
const maybeValue = fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: null });

const commandArb: fc.Arbitrary<LeadStep['command']> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ budget: component, authority: component, need: component, timeframe: component, trust: component }).map((c) => ({ type: 'ScoreLead' as const, ...c })) },
  { weight: 3, arbitrary: fc.record({ estimatedValue: maybeValue, team: fc.constantFrom(null, 'east', 'west') }).map((d) => ({ type: 'HandOffLead' as const, ownerId: 'rep-1', ...d })) },
  { weight: 3, arbitrary: fc.constant({ type: 'AcceptLead' as const, by: 'rep-1' }) },
  { weight: 2, arbitrary: fc.constant({ type: 'RejectLead' as const, by: 'rep-1', reason: 'no-budget' }) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(null, 'responder', 'mql', 'handed_off', 'sal', 'meeting', 'won', 'nurture')
      .map((toStage) => ({ type: 'RecycleLead' as const, reason: 'timing', toStage })),
  },
  { weight: 1, arbitrary: maybeValue.map((value) => ({ type: 'MarkLeadLost' as const, reason: 'competitor', value })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 90_000 }).map((amount) => ({ type: 'MarkLeadWon' as const, amount })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ step: fc.constantFrom('meeting', 'proposal', 'demo'), value: maybeValue })
      .map(({ step, value }) => ({ type: 'AdvanceLeadStage' as const, step, value })),
  },
);

/** One command and the time since the previous event: 0 (the same instant, allowed) up to ~10 days. */
export const leadStepArb: fc.Arbitrary<LeadStep> = fc.record({
  command: commandArb,
  delayMinutes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 15_000 })),
});

export const randomLeadArb = (maxSteps: number): fc.Arbitrary<RandomLead> =>
  fc.record({
    origin: fc.constantFrom<Origin>(...ORIGINS),
    estimatedValue: maybeValue,
    steps: fc.array(leadStepArb, { maxLength: maxSteps }),
  });

/** Runs a random lead's commands through decide/evolve from RANDOM_HISTORY_START; refused commands leave no event. */
export function historyOf(leadId: string, lead: RandomLead): LeadEvent[] {
  let time = RANDOM_HISTORY_START;
  const events: LeadEvent[] = [];
  let state: LeadState = initialLeadState(leadId);
  const run = (command: LeadCommand) => {
    try {
      for (const event of decide(command, state, { now: RANDOM_HISTORY_NOW, defaultCurrency: 'EUR' })) {
        state = evolve(state, event);
        events.push(event);
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  };
  run({ type: 'CaptureResponder', leadId, channel: 'web', origin: lead.origin, estimatedValue: lead.estimatedValue, occurredAt: new Date(time) });
  for (const step of lead.steps) {
    time += step.delayMinutes * 60_000;
    run({ ...step.command, leadId, occurredAt: new Date(time) } as LeadCommand);
  }
  return events;
}
