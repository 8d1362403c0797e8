import { DEFAULT_FUNNEL_DEFINITION, DEFAULT_SLA, type FunnelDefinition } from '../funnel/definition.js';
import type { LeadEvent } from '../lead/events.js';
import { LEAD_ID, events } from '../lead/lead.test-kit.js';
import { deriveSlaCases, slaCalendar, slaCompliance } from './sla-cases.js';

const at = (iso: string): Date => new Date(iso);
const HOUR = 3600;

// Default definition: UTC, 5 working days, Mon-Fri, no holidays, no business hours.
// March 2024: Fri 8, Sat 9, Sun 10, Mon 11 ... Fri 15, Sat 16, Sun 17, Mon 18, Tue 19, Wed 20.
const FRI_15H = at('2024-03-08T15:00:00Z');
const LATER = at('2024-06-01T00:00:00Z'); // a "now" after every due time

function given(history: readonly LeadEvent[], definition: FunnelDefinition = DEFAULT_FUNNEL_DEFINITION) {
  return {
    whenDerivedAt: (now: Date) => deriveSlaCases(LEAD_ID, history, definition, now),
  };
}

const handedOffFridayAt15 = (): LeadEvent[] => [events.captured({}, at('2024-03-08T10:00:00Z')), events.handedOff({ ownerId: 'rep-1', team: 'west' }, FRI_15H)];

describe('deriveSlaCases', () => {
  it('given a hand-off Friday 15:00 UTC accepted Thursday 10:00, then the case is met, due next Friday 15:00', () => {
    const cases = given([...handedOffFridayAt15(), events.accepted(at('2024-03-14T10:00:00Z'))]).whenDerivedAt(LATER);

    // working: Fri 15:00-24:00 = 9 h + Mon..Wed 3 x 24 h = 72 h + Thu 00:00-10:00 = 10 h -> 91 h = 327 600 s
    // calendar: Fri 8 15:00 -> Thu 14 10:00 = 5 d 19 h = 139 h = 500 400 s
    expect(cases).toStrictEqual([
      {
        leadId: LEAD_ID,
        caseNumber: 1,
        handedOffAt: FRI_15H,
        handOffRevision: 2,
        ownerId: 'rep-1',
        team: 'west',
        dueAt: at('2024-03-15T15:00:00Z'),
        resolvedAt: at('2024-03-14T10:00:00Z'),
        resolvedBy: 'Accepted',
        resolvedByRevision: 3,
        status: 'met',
        overdue: false,
        responseWorkingSeconds: 91 * HOUR,
        responseCalendarSeconds: 139 * HOUR,
      },
    ]);
  });

  it('given the same hand-off accepted the next Monday 09:00, then the case is breached (resolved, not overdue)', () => {
    const [c] = given([...handedOffFridayAt15(), events.accepted(at('2024-03-18T09:00:00Z'))]).whenDerivedAt(LATER);

    // working: Fri 9 h + Mon 11..Fri 15 5 x 24 h = 120 h + Mon 18 00:00-09:00 = 9 h -> 138 h
    // calendar: Fri 8 15:00 -> Mon 18 09:00 = 9 d 18 h = 234 h
    expect(c).toMatchObject({ status: 'breached', overdue: false, dueAt: at('2024-03-15T15:00:00Z'), responseWorkingSeconds: 138 * HOUR, responseCalendarSeconds: 234 * HOUR });
  });

  it('given a resolution exactly at the due time, then the case is met (resolvedAt <= dueAt)', () => {
    const [c] = given([...handedOffFridayAt15(), events.accepted(at('2024-03-15T15:00:00Z'))]).whenDerivedAt(LATER);

    // working: 9 h + Mon..Thu 96 h + Fri 00:00-15:00 15 h = 120 h = 5 working days
    expect(c).toMatchObject({ status: 'met', responseWorkingSeconds: 120 * HOUR });
  });

  it('given a hand-off on Saturday 10:00, then the clock starts Monday 00:00 and the case is due Saturday 00:00 a week later', () => {
    const [c] = given([events.captured({}, at('2024-03-09T09:00:00Z')), events.handedOff({}, at('2024-03-09T10:00:00Z'))]).whenDerivedAt(LATER);

    // Mon 11 00:00 + 5 whole working days = end of Fri 15 = Sat 16 00:00
    expect(c).toMatchObject({ dueAt: at('2024-03-16T00:00:00Z'), status: 'breached', overdue: true });
  });

  it('given a holiday on Wednesday inside the window, then the due time moves one working day (to Monday 15:00) and Monday 09:00 is met', () => {
    const withHoliday: FunnelDefinition = { ...DEFAULT_FUNNEL_DEFINITION, sla: { ...DEFAULT_SLA, holidays: ['2024-03-13'] } };
    const [c] = given([...handedOffFridayAt15(), events.accepted(at('2024-03-18T09:00:00Z'))], withHoliday).whenDerivedAt(LATER);

    // working days after Fri 8: Mon 11, Tue 12, (Wed 13 holiday), Thu 14, Fri 15, Mon 18 -> due Mon 18 15:00
    // working: 138 h of the no-holiday case - 24 h of Wed 13 = 114 h
    expect(c).toMatchObject({ dueAt: at('2024-03-18T15:00:00Z'), status: 'met', responseWorkingSeconds: 114 * HOUR, responseCalendarSeconds: 234 * HOUR });
  });

  it('given an unresolved case, then it is open up to and at the due time, and breached + overdue 1 ms after it', () => {
    const history = handedOffFridayAt15();
    const due = at('2024-03-15T15:00:00Z');

    expect(given(history).whenDerivedAt(at('2024-03-12T00:00:00Z'))[0]).toMatchObject({ status: 'open', overdue: false, resolvedAt: null, resolvedBy: null, resolvedByRevision: null, responseWorkingSeconds: null, responseCalendarSeconds: null });
    expect(given(history).whenDerivedAt(due)[0]).toMatchObject({ status: 'open', overdue: false });
    expect(given(history).whenDerivedAt(new Date(due.getTime() + 1))[0]).toMatchObject({ status: 'breached', overdue: true, responseWorkingSeconds: null });
  });

  it('given a hand-off followed by Lost on Tuesday 09:00, then Lost resolves the case (met)', () => {
    const [c] = given([...handedOffFridayAt15(), events.lost({}, at('2024-03-12T09:00:00Z'))]).whenDerivedAt(LATER);

    // working: Fri 9 h + Mon 24 h + Tue 9 h = 42 h; calendar: 3 d 18 h = 90 h
    expect(c).toMatchObject({ resolvedBy: 'Lost', resolvedByRevision: 3, status: 'met', responseWorkingSeconds: 42 * HOUR, responseCalendarSeconds: 90 * HOUR });
  });

  it('given Rejected, Recycled and a second hand-off, then a second case opens and only the first resolution after each hand-off counts', () => {
    const history = [
      ...handedOffFridayAt15(), // revisions 1, 2
      events.rejected(at('2024-03-11T09:00:00Z')), // 3: resolves case 1
      events.recycled(at('2024-03-11T10:00:00Z')), // 4
      events.handedOff({ ownerId: 'rep-2', team: 'east' }, at('2024-03-12T09:00:00Z')), // 5: opens case 2
      events.accepted(at('2024-03-20T09:00:00Z')), // 6: resolves case 2
      events.lost({}, at('2024-03-21T09:00:00Z')), // 7: case 2 already resolved, ignored
    ];
    const cases = given(history).whenDerivedAt(LATER);

    // case 1: due Fri 15 15:00, rejected Mon 11 09:00 -> met; working 9 h + 9 h = 18 h
    // case 2: Tue 12 09:00 + 5 working days = Tue 19 09:00; accepted Wed 20 09:00 -> breached;
    //         working Tue 12 15 h + Wed..Fri 72 h + Mon 24 h + Tue 24 h + Wed 9 h = 144 h; calendar 8 d = 192 h
    expect(cases.map((c) => [c.caseNumber, c.handOffRevision, c.ownerId, c.team, c.resolvedBy, c.resolvedByRevision, c.status])).toEqual([
      [1, 2, 'rep-1', 'west', 'Rejected', 3, 'met'],
      [2, 5, 'rep-2', 'east', 'Accepted', 6, 'breached'],
    ]);
    expect(cases[0]!.responseWorkingSeconds).toBe(18 * HOUR);
    expect(cases[1]).toMatchObject({ dueAt: at('2024-03-19T09:00:00Z'), responseWorkingSeconds: 144 * HOUR, responseCalendarSeconds: 192 * HOUR });
    expect(slaCompliance(cases)).toEqual({ met: 1, breached: 1, open: 0, compliance: 0.5 });
  });

  it('given business hours 09:00-17:00 in Europe/Berlin, then the response counts only office time', () => {
    const officeHours: FunnelDefinition = {
      ...DEFAULT_FUNNEL_DEFINITION,
      sla: { ...DEFAULT_SLA, timeZone: 'Europe/Berlin', businessHours: { start: '09:00', end: '17:00' } },
    };
    // Berlin is UTC+1 (CET) in early March 2024: Fri 8 16:00 local = 15:00Z; Mon 11 10:30 local = 09:30Z
    const [c] = given([...handedOffFridayAt15(), events.accepted(at('2024-03-11T09:30:00Z'))], officeHours).whenDerivedAt(LATER);

    // working: Fri 16:00-17:00 = 1 h + Mon 09:00-10:30 = 1.5 h -> 2.5 h = 9 000 s
    // calendar: Fri 15:00Z -> Mon 09:30Z = 2 d 18.5 h = 66.5 h = 239 400 s
    // due: mid-hours start, wall time 16:00 carried to the 5th working day after Fri 8 = Fri 15 16:00 CET = 15:00Z
    expect(c).toMatchObject({ status: 'met', dueAt: at('2024-03-15T15:00:00Z'), responseWorkingSeconds: 9_000, responseCalendarSeconds: 239_400 });
  });

  it('given a lead accepted without any hand-off, then it has no SLA case', () => {
    expect(given([events.captured({}, at('2024-03-08T10:00:00Z')), events.accepted(at('2024-03-08T11:00:00Z'))]).whenDerivedAt(LATER)).toEqual([]);
  });

  it('given (defensively) a second hand-off while case 1 is unresolved, then case 1 stays unresolved and the resolution goes to case 2', () => {
    const cases = given([
      ...handedOffFridayAt15(),
      events.handedOff({ ownerId: 'rep-2' }, at('2024-03-11T09:00:00Z')),
      events.accepted(at('2024-03-11T10:00:00Z')),
    ]).whenDerivedAt(at('2024-03-15T16:00:00Z'));

    // case 1: due Fri 15 15:00 < now Fri 15 16:00 -> overdue breach; case 2: 1 h working response -> met
    expect(cases.map((c) => [c.caseNumber, c.resolvedBy, c.status, c.overdue, c.responseWorkingSeconds])).toEqual([
      [1, null, 'breached', true, null],
      [2, 'Accepted', 'met', false, HOUR],
    ]);
  });

  it('given events carrying stream revisions, then the case reports those revisions', () => {
    const history = handedOffFridayAt15().map((e, i) => ({ ...e, revision: 10 + i }));
    const [c] = given([...history, { ...events.accepted(at('2024-03-11T09:00:00Z')), revision: 12 }]).whenDerivedAt(LATER);

    expect([c!.handOffRevision, c!.resolvedByRevision]).toEqual([11, 12]);
  });
});

describe('slaCalendar', () => {
  it('given the same definition object twice, then the calendar is built once; sla.timeZone overrides the definition zone', () => {
    const definition: FunnelDefinition = { ...DEFAULT_FUNNEL_DEFINITION, timeZone: 'Europe/London', sla: { ...DEFAULT_SLA, timeZone: 'Asia/Tokyo', holidays: ['2024-03-20'] } };

    expect(slaCalendar(definition)).toBe(slaCalendar(definition));
    expect(slaCalendar(definition).timeZone).toBe('Asia/Tokyo');
    expect(slaCalendar(definition).holidays).toEqual(['2024-03-20']);
    expect(slaCalendar({ ...definition, sla: { ...DEFAULT_SLA } }).timeZone).toBe('Europe/London');
  });
});

describe('slaCompliance', () => {
  it('given no met or breached case, then compliance is null and open cases are only counted', () => {
    expect(slaCompliance([])).toEqual({ met: 0, breached: 0, open: 0, compliance: null });
    expect(slaCompliance([{ status: 'open' }, { status: 'open' }])).toEqual({ met: 0, breached: 0, open: 2, compliance: null });
  });

  it('given 3 met, 1 breached and 1 open, then compliance = 3 / 4 = 0.75', () => {
    const statuses = ['met', 'met', 'breached', 'open', 'met'] as const;
    expect(slaCompliance(statuses.map((status) => ({ status })))).toEqual({ met: 3, breached: 1, open: 1, compliance: 0.75 });
  });
});
