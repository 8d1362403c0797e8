import { evolve, foldLead, initialLeadState, valueCarriedBy } from './evolve.js';
import type { LeadEvent } from './events.js';
import { LEAD_ID, at, events, histories } from './lead.test-kit.js';
import type { CapturedLead, LeadState, LeadStatus } from './state.js';

/** Folds a history that must capture the lead. */
function captured(history: LeadEvent[]): CapturedLead {
  const state = foldLead(LEAD_ID, history);
  if (!state.exists) throw new Error('expected a captured lead');
  return state;
}

describe('evolve', () => {
  it('starts from an uncaptured lead at revision 0', () => {
    expect(initialLeadState('x')).toStrictEqual({ exists: false, leadId: 'x', revision: 0 });
    expect(foldLead('x', [])).toStrictEqual(initialLeadState('x'));
  });

  it('turns ResponderCaptured into a new lead with its source, capture time and estimated value', () => {
    const state = foldLead(LEAD_ID, [events.captured({ channel: 'web', campaign: 'spring', origin: 'SALES', estimatedValue: 900 }, at(0))]);
    expect(state).toStrictEqual({
      exists: true,
      leadId: LEAD_ID,
      status: 'new',
      revision: 1,
      source: { channel: 'web', campaign: 'spring', origin: 'SALES' },
      capturedAt: at(0),
      score: null,
      ownerId: null,
      team: null,
      value: 900,
      currency: null,
      lastOccurredAt: at(0),
    });
  });

  it('increments the revision by one per event and tracks the latest occurredAt', () => {
    const history = [events.captured({}, at(0)), events.scored(50, at(7)), events.handedOff({}, at(9))];
    expect(history.map((_, i) => foldLead(LEAD_ID, history.slice(0, i + 1))).map((s) => [s.revision, (s as CapturedLead).lastOccurredAt])).toStrictEqual([
      [1, at(0)],
      [2, at(7)],
      [3, at(9)],
    ]);
  });

  it.each<[string, LeadEvent[], LeadStatus]>([
    ['ResponderCaptured', histories.new(), 'new'],
    ['Recycled', histories.nurturing(), 'nurturing'],
    ['HandedOff', histories.handed_off(), 'handed_off'],
    ['Accepted', histories.accepted(), 'accepted'],
    ['Rejected', histories.rejected(), 'rejected'],
    ['Won', histories.won(), 'won'],
    ['Lost', histories.lost(), 'lost'],
    ['LeadScored (status unchanged)', [...histories.handed_off(), events.scored(90, at(3))], 'handed_off'],
    ['StageAdvanced (status unchanged)', [...histories.accepted(), events.advanced('meeting')], 'accepted'],
  ])('%s leaves the lead %s', (_, history, status) => {
    expect(captured(history).status).toBe(status);
  });

  it('keeps the total of the latest score', () => {
    expect(captured([events.captured()]).score).toBeNull();
    expect(captured([events.captured(), events.scored(80, at(1)), events.scored(40, at(2))]).score).toBe(40);
  });

  it('sets owner and team on hand-off, and replaces both on a later hand-off', () => {
    const first = captured([events.captured(), events.handedOff({ ownerId: 'rep-1', team: 'north' }, at(1))]);
    expect([first.ownerId, first.team]).toStrictEqual(['rep-1', 'north']);
    const again = captured([
      events.captured(),
      events.handedOff({ ownerId: 'rep-1', team: 'north' }, at(1)),
      events.rejected(at(2)),
      events.handedOff({ ownerId: 'rep-2', team: null }, at(3)),
    ]);
    expect([again.ownerId, again.team]).toStrictEqual(['rep-2', null]);
  });

  it('tracks the latest known value: the amount of the latest event that carries one', () => {
    const steps: [LeadEvent, number | null][] = [
      [events.captured({ estimatedValue: null }, at(0)), null],
      [events.handedOff({ estimatedValue: 100 }, at(1)), 100],
      [events.accepted(at(2)), 100],
      [events.advanced('meeting', null, at(3)), 100],
      [events.advanced('proposal', 250, at(4)), 250],
      [events.lost({ value: null }, at(5)), 250],
      [events.recycled(at(6)), 250],
      [events.handedOff({ estimatedValue: null }, at(7)), 250],
      [events.accepted(at(8)), 250],
      [events.lost({ value: 75 }, at(9)), 75],
    ];
    const values = steps.map((_, i) => captured(steps.slice(0, i + 1).map(([e]) => e)).value);
    expect(values).toStrictEqual(steps.map(([, v]) => v));
  });

  it('takes value and currency from Won', () => {
    const won = captured([events.captured({ estimatedValue: 100 }), events.accepted(at(1)), events.won(4200, 'USD', at(2))]);
    expect([won.value, won.currency]).toStrictEqual([4200, 'USD']);
  });

  it.each<[LeadEvent, number | null]>([
    [events.captured({ estimatedValue: 1 }), 1],
    [events.handedOff({ estimatedValue: 2 }), 2],
    [events.advanced('x', 3), 3],
    [events.lost({ value: 4 }), 4],
    [events.won(5), 5],
    [events.scored(80), null],
    [events.accepted(), null],
    [events.rejected(), null],
    [events.recycled(), null],
  ])('valueCarriedBy(%o) = %p', (event, value) => {
    expect(valueCarriedBy(event)).toBe(value);
  });

  it('does not mutate the state it is given', () => {
    const before = Object.freeze(captured([events.captured()]));
    const after = evolve(before, events.scored(80, at(1)));
    expect(before.score).toBeNull();
    expect(after).not.toBe(before);
  });

  it('refuses a stream that does not start with ResponderCaptured', () => {
    expect(() => evolve(initialLeadState(LEAD_ID), events.accepted())).toThrow('must start with ResponderCaptured, not Accepted');
  });

  it('refuses a second ResponderCaptured', () => {
    const state: LeadState = captured([events.captured()]);
    expect(() => evolve(state, events.captured({}, at(1)))).toThrow('already captured');
  });
});
