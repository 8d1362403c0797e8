import type { LeadEvent } from '../lead/events.js';
import { DEFAULT_FUNNEL_DEFINITION as DEFAULT, withMqlThreshold, type FunnelDefinition } from './definition.js';
import { NO_STAGE, classifyTimeline, currentStage, deriveStageVisits, interpretLead, stepFunnel } from './stage-visits.js';
import { LEAD_ID, WITH_DOWNSTREAM_STEPS, day, events as e, expectVisits, recycledTo } from './funnel.test-kit.js';

const visitsOf = (history: LeadEvent[], definition: FunnelDefinition = DEFAULT, asOf?: Date) =>
  deriveStageVisits(LEAD_ID, history, definition, asOf);

describe('deriveStageVisits (default definition)', () => {
  it('given the simple path to won, then each stage has one visit that exits advanced at the next one, and won stays open', () => {
    const history = [
      e.captured({ estimatedValue: 1000 }, day(0, 9)), // 1 Mon 09:00
      e.scored(80, day(1, 15)), //                        2 Tue 15:00
      e.handedOff({}, day(2, 9)), //                      3 Wed 09:00
      e.accepted(day(4, 12)), //                          4 Fri 12:00
      e.won(5000, 'EUR', day(11, 12)), //                 5 Fri+7 12:00
    ];
    const visits = visitsOf(history);
    expectVisits(visits, history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 1000
      mql        | 2       | 3      | advanced | 1000
      handed_off | 3       | 4      | advanced | 1000
      sal        | 4       | 5      | advanced | 5000
      won        | 5       | -      | open     | 5000
    `);
    // velocity: time in stage of the advanced visits, in seconds
    const seconds = visits.filter((v) => v.exitedAt !== null).map((v) => (v.exitedAt!.getTime() - v.enteredAt.getTime()) / 1000);
    expect(seconds).toEqual([30 * 3600, 18 * 3600, 2 * 86400 + 3 * 3600, 7 * 86400]);
    expect(visits.map((v) => [v.stage, v.stageOrder, v.leadId])).toEqual([
      ['responder', 1, LEAD_ID],
      ['mql', 2, LEAD_ID],
      ['handed_off', 3, LEAD_ID],
      ['sal', 4, LEAD_ID],
      ['won', 5, LEAD_ID],
    ]);
    expect(visits[0]).toStrictEqual({
      leadId: LEAD_ID,
      stage: 'responder',
      stageOrder: 1,
      visitNumber: 1,
      enteredAt: day(0, 9),
      enteredByRevision: 1,
      exitedAt: day(1, 15),
      exitedByRevision: 2,
      exitKind: 'advanced',
      value: 1000,
    });
  });

  it('given a sales-sourced lead accepted right after capture, then it skips mql and handed_off (no visits)', () => {
    const history = [e.captured({ origin: 'SALES' }, day(0)), e.accepted(day(1)), e.won(900, 'EUR', day(3))];
    expectVisits(visitsOf(history), history, `
      stage     | entered | exited | exit     | value
      responder | 1       | 2      | advanced | 0
      sal       | 2       | 3      | advanced | 900
      won       | 3       | -      | open     | 900
    `);
  });

  it('given a rejection and no recycle, then the handed_off visit exits rejected and the lead is in no stage', () => {
    const history = [e.captured({}, day(0)), e.scored(80, day(1)), e.handedOff({}, day(2)), e.rejected(day(3))];
    expectVisits(visitsOf(history), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 0
      mql        | 2       | 3      | advanced | 0
      handed_off | 3       | 4      | rejected | 0
    `);
    expect(currentStage(history, DEFAULT)).toBeNull();
  });

  it('given a rejection followed by a recycle, then the rejected exit becomes recycled (at the Rejected) and a responder visit opens', () => {
    const history = [e.captured({}, day(0)), e.scored(80, day(1)), e.handedOff({}, day(2)), e.rejected(day(3)), e.recycled(day(5))];
    expectVisits(visitsOf(history), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 0
      mql        | 2       | 3      | advanced | 0
      handed_off | 3       | 4      | recycled | 0
      responder  | 5       | -      | open     | 0
    `);
  });

  it('given a score between the rejection and the recycle, then the rejected exit still becomes recycled (the score changes no visit)', () => {
    const history = [e.captured({}, day(0)), e.handedOff({}, day(1)), e.rejected(day(2)), e.scored(95, day(3)), e.recycled(day(4))];
    expectVisits(visitsOf(history), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 0
      handed_off | 2       | 3      | recycled | 0
      responder  | 5       | -      | open     | 0
    `);
  });

  it('given a recycle after an acceptance, then the sal visit exits recycled and a responder visit opens', () => {
    const history = [e.captured({}, day(0)), e.handedOff({}, day(1)), e.accepted(day(2)), e.recycled(day(9))];
    expectVisits(visitsOf(history), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 0
      handed_off | 2       | 3      | advanced | 0
      sal        | 3       | 4      | recycled | 0
      responder  | 4       | -      | open     | 0
    `);
  });

  it('given a recycle to mql and a new hand-off, then an mql visit opens and advances to a new handed_off visit', () => {
    const history = [
      e.captured({}, day(0)),
      e.scored(80, day(1)),
      e.handedOff({}, day(2)),
      e.accepted(day(3)),
      recycledTo('mql', day(4)),
      e.handedOff({}, day(20)),
    ];
    expectVisits(visitsOf(history), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 0
      mql        | 2       | 3      | advanced | 0
      handed_off | 3       | 4      | advanced | 0
      sal        | 4       | 5      | recycled | 0
      mql        | 5       | 6      | advanced | 0
      handed_off | 6       | -      | open     | 0
    `);
  });

  it.each([
    ['MQL ', 'mql'], // compared trimmed and lower-cased
    ['nurture', 'responder'], // not a stage of the definition: recycleTo
    ['won', 'responder'], // terminal: recycling cannot win a deal
    [null, 'responder'],
  ])('given a recycle with toStage %p, then the new visit is of %s', (toStage, expected) => {
    const history = [e.captured({}, day(0)), e.handedOff({}, day(1)), e.accepted(day(2)), recycledTo(toStage, day(3))];
    expect(visitsOf(history).at(-1)).toMatchObject({ stage: expected, enteredByRevision: 4, exitKind: 'open' });
  });

  it('given a definition whose recycleTo is mql, then a recycle without toStage opens an mql visit', () => {
    const history = [e.captured({}, day(0)), e.handedOff({}, day(1)), e.accepted(day(2)), e.recycled(day(3))];
    expect(visitsOf(history, { ...DEFAULT, recycleTo: 'mql' }).at(-1)).toMatchObject({ stage: 'mql', exitKind: 'open' });
  });

  it('given a second hand-off after a rejection, then the rejected exit stays rejected and a new handed_off visit opens', () => {
    const history = [
      e.captured({}, day(0)),
      e.scored(80, day(1)),
      e.handedOff({ ownerId: 'rep-1' }, day(2)),
      e.rejected(day(3)),
      e.handedOff({ ownerId: 'rep-2' }, day(4)),
      e.accepted(day(5)),
      e.recycled(day(6)), // closes sal; does not reach back to the rejection
    ];
    expectVisits(visitsOf(history), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 0
      mql        | 2       | 3      | advanced | 0
      handed_off | 3       | 4      | rejected | 0
      handed_off | 5       | 6      | advanced | 0
      sal        | 6       | 7      | recycled | 0
      responder  | 7       | -      | open     | 0
    `);
  });

  it('given a lead lost from sal, then the sal visit exits lost with the Lost value and no visit is open', () => {
    const history = [e.captured({ estimatedValue: 10_000 }, day(0)), e.handedOff({}, day(1)), e.accepted(day(2)), e.lost({ value: 3000 }, day(8))];
    expectVisits(visitsOf(history), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 10000
      handed_off | 2       | 3      | advanced | 10000
      sal        | 3       | 4      | lost     | 3000
    `);
    expect(currentStage(history, DEFAULT)).toBeNull();
  });

  it('given a lost lead that is recycled later, then the lost exit stays lost and a responder visit opens', () => {
    const history = [e.captured({}, day(0)), e.handedOff({}, day(1)), e.lost({}, day(2)), e.recycled(day(30))];
    expectVisits(visitsOf(history), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 0
      handed_off | 2       | 3      | lost     | 0
      responder  | 4       | -      | open     | 0
    `);
  });

  it('given a score below the threshold and then one above, then only the second score enters mql', () => {
    const history = [e.captured({}, day(0)), e.scored(74, day(1)), e.scored(75, day(2))];
    expectVisits(visitsOf(history), history, `
      stage     | entered | exited | exit     | value
      responder | 1       | 3      | advanced | 0
      mql       | 3       | -      | open     | 0
    `);
  });

  it('given a second score in mql and a score after the hand-off, then neither changes a visit', () => {
    const history = [e.captured({}, day(0)), e.scored(80, day(1)), e.scored(90, day(2)), e.handedOff({}, day(3)), e.scored(95, day(4))];
    expectVisits(visitsOf(history), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 0
      mql        | 2       | 4      | advanced | 0
      handed_off | 4       | -      | open     | 0
    `);
  });

  it('given a high score while in no stage (after a rejection), then mql is not entered (enterFromNoStage false)', () => {
    const history = [e.captured({}, day(0)), e.handedOff({}, day(1)), e.rejected(day(2)), e.scored(99, day(3))];
    expect(visitsOf(history).map((v) => [v.stage, v.exitKind])).toEqual([
      ['responder', 'advanced'],
      ['handed_off', 'rejected'],
    ]);
  });

  it('given a recycle back to responder, then a new high score enters mql again', () => {
    const history = [e.captured({}, day(0)), e.scored(80, day(1)), e.handedOff({}, day(2)), e.rejected(day(3)), e.recycled(day(4)), e.scored(85, day(9))];
    expect(visitsOf(history).map((v) => [v.stage, v.enteredByRevision, v.exitKind])).toEqual([
      ['responder', 1, 'advanced'],
      ['mql', 2, 'advanced'],
      ['handed_off', 3, 'recycled'],
      ['responder', 5, 'advanced'],
      ['mql', 6, 'open'],
    ]);
  });

  it('given mql thresholds of 75 and 60, then the same history of a 65 score has an mql visit only under 60', () => {
    const history = [e.captured({}, day(0)), e.scored(65, day(1)), e.handedOff({}, day(2))];
    expectVisits(visitsOf(history, DEFAULT), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 3      | advanced | 0
      handed_off | 3       | -      | open     | 0
    `);
    expectVisits(visitsOf(history, withMqlThreshold(DEFAULT, 60)), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 0
      mql        | 2       | 3      | advanced | 0
      handed_off | 3       | -      | open     | 0
    `);
  });
});

describe('deriveStageVisits (definition with meeting and proposal)', () => {
  it('given StageAdvanced steps, then meeting and proposal visits open in order; an unknown or earlier step changes nothing', () => {
    const history = [
      e.captured({}, day(0)), //                  1
      e.handedOff({}, day(1)), //                 2
      e.accepted(day(2)), //                      3
      e.advanced('meeting', 2000, day(5)), //     4 -> meeting
      e.advanced('demo', null, day(6)), //        5 unknown step
      e.advanced('proposal', 4000, day(9)), //    6 -> proposal
      e.advanced('meeting', null, day(10)), //    7 not later: no change
      e.won(4500, 'EUR', day(20)), //             8 -> won
    ];
    expectVisits(visitsOf(history, WITH_DOWNSTREAM_STEPS), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 0
      handed_off | 2       | 3      | advanced | 0
      sal        | 3       | 4      | advanced | 2000
      meeting    | 4       | 6      | advanced | 4000
      proposal   | 6       | 8      | advanced | 4500
      won        | 8       | -      | open     | 4500
    `);
    expect(visitsOf(history, WITH_DOWNSTREAM_STEPS).map((v) => v.stageOrder)).toEqual([1, 3, 4, 5, 6, 7]);
  });

  it('given a step straight to proposal, then meeting is skipped', () => {
    const history = [e.captured({ origin: 'PARTNER' }, day(0)), e.accepted(day(1)), e.advanced('proposal', null, day(2))];
    expect(visitsOf(history, WITH_DOWNSTREAM_STEPS).map((v) => [v.stage, v.exitKind])).toEqual([
      ['responder', 'advanced'],
      ['sal', 'advanced'],
      ['proposal', 'open'],
    ]);
  });

  it('given the default definition, then StageAdvanced enters no stage', () => {
    const history = [e.captured({}, day(0)), e.handedOff({}, day(1)), e.accepted(day(2)), e.advanced('meeting', 100, day(3))];
    expect(visitsOf(history).map((v) => [v.stage, v.exitKind, v.value])).toEqual([
      ['responder', 'advanced', 0],
      ['handed_off', 'advanced', 0],
      ['sal', 'open', 100],
    ]);
  });
});

describe('deriveStageVisits: several matching stages', () => {
  const HOT: FunnelDefinition = {
    ...DEFAULT,
    name: 'hot',
    stages: [
      DEFAULT.stages[0]!,
      DEFAULT.stages[1]!,
      { key: 'hot', enteredBy: [{ event: 'LeadScored', when: [{ field: 'total', op: 'gte', value: 90 }, { field: 'model', op: 'neq', value: 'legacy' }] }], enterFromNoStage: false },
      ...DEFAULT.stages.slice(2),
    ],
  };

  it('given a score matching mql and hot, then the latest matching stage (hot) is entered and mql is skipped', () => {
    const history = [e.captured({}, day(0)), e.scored(95, day(1))];
    expect(visitsOf(history, HOT).map((v) => v.stage)).toEqual(['responder', 'hot']);
  });

  it('given 80 then 95, then mql is entered and then hot; a later 80 changes nothing', () => {
    const history = [e.captured({}, day(0)), e.scored(80, day(1)), e.scored(95, day(2)), e.scored(80, day(3))];
    expect(visitsOf(history, HOT).map((v) => [v.stage, v.enteredByRevision, v.exitKind])).toEqual([
      ['responder', 1, 'advanced'],
      ['mql', 2, 'advanced'],
      ['hot', 3, 'open'],
    ]);
  });
});

describe('deriveStageVisits: value', () => {
  it('given values on several events, then a closed visit takes the latest value up to its exit and the open one the latest overall', () => {
    const history = [
      e.captured({ estimatedValue: 1000 }, day(0)), // 1 value 1000
      e.handedOff({ estimatedValue: 2000 }, day(1)), // 2 value 2000 (exits responder)
      e.accepted(day(2)), // 3 no value: keeps 2000
      e.advanced('meeting', 0, day(3)), // 4 value 0 (a value, not "none"); enters no stage in the default definition
      e.lost({ value: null }, day(4)), // 5 no value: keeps 0
    ];
    expectVisits(visitsOf(history), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 2000
      handed_off | 2       | 3      | advanced | 2000
      sal        | 3       | 5      | lost     | 0
    `);
  });

  it('given no event with a value, then every visit is worth 0', () => {
    const history = [e.captured({}, day(0)), e.handedOff({}, day(1))];
    expect(visitsOf(history).map((v) => v.value)).toEqual([0, 0]);
  });

  it('given a value after the visit opened, then the open visit is worth it but the closed one is not', () => {
    const history = [e.captured({ estimatedValue: 100 }, day(0)), e.handedOff({}, day(1)), e.accepted(day(2)), e.advanced('call', 700, day(3))];
    expect(visitsOf(history).map((v) => [v.stage, v.value])).toEqual([
      ['responder', 100],
      ['handed_off', 100],
      ['sal', 700],
    ]);
  });
});

describe('deriveStageVisits: asOf', () => {
  const history = [
    e.captured({ estimatedValue: 100 }, day(0)),
    e.handedOff({ estimatedValue: 200 }, day(1)),
    e.rejected(day(2)),
    e.recycled(day(3)),
    e.handedOff({ estimatedValue: 300 }, day(4)),
  ];

  it('given asOf between the rejection and the recycle, then the exit is still rejected and no visit is open', () => {
    expectVisits(visitsOf(history, DEFAULT, day(2, 12)), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 200
      handed_off | 2       | 3      | rejected | 200
    `);
  });

  it('given asOf exactly at an event, then that event counts; open visits stay open with the value known then', () => {
    expectVisits(visitsOf(history, DEFAULT, day(3)), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 200
      handed_off | 2       | 3      | recycled | 200
      responder  | 4       | -      | open     | 200
    `);
    expect(currentStage(history, DEFAULT, day(3))).toBe('responder');
  });

  it('given asOf before the capture, then there are no visits', () => {
    expect(visitsOf(history, DEFAULT, day(-1))).toEqual([]);
    expect(currentStage(history, DEFAULT, day(-1))).toBeNull();
  });

  it('given no asOf, then every event counts', () => {
    expect(visitsOf(history).map((v) => [v.stage, v.exitKind, v.value])).toEqual([
      ['responder', 'advanced', 200],
      ['handed_off', 'recycled', 200],
      ['responder', 'advanced', 300],
      ['handed_off', 'open', 300],
    ]);
  });
});

describe('deriveStageVisits: cases metrics.md leaves open', () => {
  it('given events after won, then nothing changes (the write side refuses them; the interpreter ignores them)', () => {
    const history = [e.captured({ origin: 'SALES' }, day(0)), e.accepted(day(1)), e.won(100, 'EUR', day(2)), e.lost({}, day(3)), e.recycled(day(4)), e.handedOff({}, day(5))];
    expect(visitsOf(history).map((v) => [v.stage, v.exitKind])).toEqual([
      ['responder', 'advanced'],
      ['sal', 'advanced'],
      ['won', 'open'],
    ]);
    expect(classifyTimeline(history, DEFAULT).slice(3)).toEqual(Array(3).fill({ stageBefore: 'won', stageAfter: 'won' }));
  });

  it('given a Lost while in no stage after a rejection, then no visit changes and a later recycle leaves the rejected exit rejected', () => {
    const history = [e.captured({}, day(0)), e.handedOff({}, day(1)), e.rejected(day(2)), e.lost({}, day(3)), e.recycled(day(4))];
    expectVisits(visitsOf(history), history, `
      stage      | entered | exited | exit     | value
      responder  | 1       | 2      | advanced | 0
      handed_off | 2       | 3      | rejected | 0
      responder  | 5       | -      | open     | 0
    `);
  });

  it('given a definition whose first stage capture does not enter, then the lead is in no stage until an event enters one', () => {
    const salesOnly: FunnelDefinition = { ...DEFAULT, name: 'sales', stages: DEFAULT.stages.slice(2), recycleTo: 'handed_off' };
    const history = [e.captured({}, day(0)), e.scored(90, day(1)), e.handedOff({}, day(2)), e.accepted(day(3))];
    expect(visitsOf(history, salesOnly).map((v) => [v.stage, v.stageOrder, v.enteredByRevision, v.exitKind])).toEqual([
      ['handed_off', 1, 3, 'advanced'],
      ['sal', 2, 4, 'open'],
    ]);
    expect(classifyTimeline(history, salesOnly).map((t) => t.stageAfter)).toEqual([null, null, 'handed_off', 'sal']);
  });

  it('given events that carry their stream revision, then the visits name those revisions', () => {
    const history = [
      { ...e.captured({}, day(0)), revision: 11 },
      { ...e.handedOff({}, day(1)), revision: 12 },
    ];
    expect(visitsOf(history).map((v) => [v.enteredByRevision, v.exitedByRevision])).toEqual([
      [11, 12],
      [12, null],
    ]);
  });

  it('given no events, then there are no visits and no stage', () => {
    expect(visitsOf([])).toEqual([]);
    expect(currentStage([], DEFAULT)).toBeNull();
  });
});

describe('classifyTimeline', () => {
  it('given a history with leaks and a recycle, then each event has the stage before and after it', () => {
    const history = [
      e.captured({}, day(0)),
      e.scored(60, day(1)),
      e.scored(80, day(2)),
      e.handedOff({}, day(3)),
      e.rejected(day(4)),
      e.scored(90, day(5)),
      e.recycled(day(6)),
      e.handedOff({}, day(7)),
      e.accepted(day(8)),
      e.won(1200, 'EUR', day(9)),
    ];
    const rows = classifyTimeline(history, DEFAULT).map((t, i) => [history[i]!.type, t.stageBefore, t.stageAfter]);
    expect(rows).toEqual([
      ['ResponderCaptured', null, 'responder'],
      ['LeadScored', 'responder', 'responder'],
      ['LeadScored', 'responder', 'mql'],
      ['HandedOff', 'mql', 'handed_off'],
      ['Rejected', 'handed_off', null],
      ['LeadScored', null, null],
      ['Recycled', null, 'responder'],
      ['HandedOff', 'responder', 'handed_off'],
      ['Accepted', 'handed_off', 'sal'],
      ['Won', 'sal', 'won'],
    ]);
  });

  it('given the same history under two thresholds, then only the classification of the score differs', () => {
    const history = [e.captured({}, day(0)), e.scored(65, day(1)), e.handedOff({}, day(2))];
    expect(classifyTimeline(history, DEFAULT)).toEqual([
      { stageBefore: null, stageAfter: 'responder' },
      { stageBefore: 'responder', stageAfter: 'responder' },
      { stageBefore: 'responder', stageAfter: 'handed_off' },
    ]);
    expect(classifyTimeline(history, withMqlThreshold(DEFAULT, 60))).toEqual([
      { stageBefore: null, stageAfter: 'responder' },
      { stageBefore: 'responder', stageAfter: 'mql' },
      { stageBefore: 'mql', stageAfter: 'handed_off' },
    ]);
  });
});

describe('stepFunnel (the incremental form)', () => {
  it('given a rejection then a recycle, then the steps say what to close, open and reclassify', () => {
    const s1 = stepFunnel(NO_STAGE, e.captured({}, day(0)), DEFAULT);
    expect(s1).toEqual({
      position: { stage: 'responder', rejectionPending: false },
      transition: { stageBefore: null, stageAfter: 'responder', closes: null, opens: 'responder', recyclesRejectedExit: false },
    });
    const s2 = stepFunnel(s1.position, e.handedOff({}, day(1)), DEFAULT);
    expect(s2.transition).toMatchObject({ closes: 'advanced', opens: 'handed_off' });
    const s3 = stepFunnel(s2.position, e.rejected(day(2)), DEFAULT);
    expect(s3).toEqual({
      position: { stage: null, rejectionPending: true },
      transition: { stageBefore: 'handed_off', stageAfter: null, closes: 'rejected', opens: null, recyclesRejectedExit: false },
    });
    const s4 = stepFunnel(s3.position, e.recycled(day(3)), DEFAULT);
    expect(s4).toEqual({
      position: { stage: 'responder', rejectionPending: false },
      transition: { stageBefore: null, stageAfter: 'responder', closes: null, opens: 'responder', recyclesRejectedExit: true },
    });
  });

  it('given a position whose stage the definition does not know, then it throws', () => {
    expect(() => stepFunnel({ stage: 'nurture', rejectionPending: false }, e.accepted(day(0)), DEFAULT)).toThrow(/nurture/);
  });

  it('given a whole history, then interpretLead returns the visits, the timeline and the final position together', () => {
    const history = [e.captured({}, day(0)), e.handedOff({}, day(1)), e.rejected(day(2))];
    const result = interpretLead(LEAD_ID, history, DEFAULT);
    expect(result.position).toEqual({ stage: null, rejectionPending: true });
    expect(result.timeline).toHaveLength(3);
    expect(result.visits).toEqual(visitsOf(history));
  });
});
