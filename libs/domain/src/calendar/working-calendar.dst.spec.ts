import { WorkingCalendar } from './working-calendar.js';

/*
 * Hand computations. Transitions in 2024:
 * - Europe/London: BST starts Sun 31 Mar at 01:00 GMT (01:00Z; clocks 01:00 -> 02:00), ends Sun 27 Oct at 02:00 BST
 *   (01:00Z; clocks 02:00 -> 01:00). GMT = UTC+0, BST = UTC+1.
 * - America/New_York: EDT starts Sun 10 Mar at 02:00 EST (07:00Z; 02:00 -> 03:00), ends Sun 3 Nov at 02:00 EDT
 *   (06:00Z; 02:00 -> 01:00). EST = UTC-5, EDT = UTC-4.
 * With the default Monday-Friday week both changes fall on a Sunday (not a working day), so every working day is
 * exactly 24 h and the due time keeps its wall-clock time: real elapsed time is 7 d -/+ 1 h, working time exactly
 * 5 x 24 h. The "DST caveat" block uses a 7-day week, where the 23 h / 25 h Sunday IS a working day.
 */
const at = (iso: string) => new Date(iso);
const H = 3600;
const hoursBetween = (a: Date, b: Date) => (b.getTime() - a.getTime()) / 3_600_000;
const nineToFive = { start: '09:00', end: '17:00' };

describe('WorkingCalendar across DST: Europe/London', () => {
  const cal = new WorkingCalendar({ timeZone: 'Europe/London' });
  const hours = new WorkingCalendar({ timeZone: 'Europe/London', businessHours: nineToFive });

  it('given a hand-off Friday 29 Mar 15:00 GMT before spring-forward, when N=5, then it is due Friday 5 Apr 15:00 BST (14:00Z): 167 real hours, 120 working hours', () => {
    // Fri 15:00-24:00 GMT 9 h + Mon-Thu 4 x 24 h + Fri 5 Apr 00:00-15:00 BST 15 h = 120 h
    const handoff = at('2024-03-29T15:00:00Z');
    const due = cal.addWorkingDays(handoff, 5);
    expect(due).toEqual(at('2024-04-05T14:00:00Z'));
    expect(cal.workingSecondsBetween(handoff, due)).toBe(120 * H);
    expect(hoursBetween(handoff, due)).toBe(167);
  });

  it('given a hand-off Saturday 30 Mar 10:00 GMT, when N=5, then the clock starts Mon 1 Apr 00:00 BST (31 Mar 23:00Z) and it is due Sat 6 Apr 00:00 BST (5 Apr 23:00Z)', () => {
    expect(cal.nextWorkingInstant(at('2024-03-30T10:00:00Z'))).toEqual(at('2024-03-31T23:00:00Z'));
    expect(cal.addWorkingDays(at('2024-03-30T10:00:00Z'), 5)).toEqual(at('2024-04-05T23:00:00Z'));
  });

  it('given a hand-off Friday 25 Oct 15:00 BST (14:00Z) before fall-back, when N=5, then it is due Friday 1 Nov 15:00 GMT (15:00Z): 169 real hours, 120 working hours', () => {
    const handoff = at('2024-10-25T14:00:00Z');
    const due = cal.addWorkingDays(handoff, 5);
    expect(due).toEqual(at('2024-11-01T15:00:00Z'));
    expect(cal.workingSecondsBetween(handoff, due)).toBe(120 * H);
    expect(hoursBetween(handoff, due)).toBe(169);
  });

  it('given a hand-off Saturday 26 Oct 10:00 BST, when N=5, then the clock starts Mon 28 Oct 00:00 GMT and it is due Sat 2 Nov 00:00 GMT', () => {
    expect(cal.addWorkingDays(at('2024-10-26T09:00:00Z'), 5)).toEqual(at('2024-11-02T00:00:00Z'));
  });

  it('given the DST weekend, when measuring Friday 00:00 to Monday 00:00 local, then only Friday counts (24 h) although 71 or 73 real hours pass', () => {
    // Fri 29 Mar 00:00 GMT (00:00Z) -> Mon 1 Apr 00:00 BST (31 Mar 23:00Z) = 71 real hours
    expect(cal.workingSecondsBetween(at('2024-03-29T00:00:00Z'), at('2024-03-31T23:00:00Z'))).toBe(24 * H);
    // Fri 25 Oct 00:00 BST (24 Oct 23:00Z) -> Mon 28 Oct 00:00 GMT (00:00Z) = 73 real hours
    expect(cal.workingSecondsBetween(at('2024-10-24T23:00:00Z'), at('2024-10-28T00:00:00Z'))).toBe(24 * H);
  });

  it('given business hours 09:00-17:00, when a hand-off is Friday 29 Mar 15:00 GMT with N=5, then it is due Friday 5 Apr 15:00 BST (14:00Z) after 40 working hours', () => {
    // Fri 15:00-17:00 2 h + Mon-Thu 4 x 8 h + Fri 09:00-15:00 6 h = 40 h
    const due = hours.addWorkingDays(at('2024-03-29T15:00:00Z'), 5);
    expect(due).toEqual(at('2024-04-05T14:00:00Z'));
    expect(hours.workingSecondsBetween(at('2024-03-29T15:00:00Z'), due)).toBe(40 * H);
  });

  it('given business hours, when a hand-off is Friday 29 Mar 16:00 GMT with N=1, then it is due Monday 1 Apr 16:00 BST (15:00Z)', () => {
    // Fri 16:00-17:00 GMT 1 h + Mon 09:00-16:00 BST 7 h = 8 h
    expect(hours.addWorkingDays(at('2024-03-29T16:00:00Z'), 1)).toEqual(at('2024-04-01T15:00:00Z'));
    expect(hours.workingSecondsBetween(at('2024-03-29T16:00:00Z'), at('2024-04-01T15:00:00Z'))).toBe(8 * H);
  });

  it('given business hours, when a hand-off is Friday 25 Oct 16:00 BST (15:00Z) with N=1, then it is due Monday 28 Oct 16:00 GMT (16:00Z)', () => {
    expect(hours.addWorkingDays(at('2024-10-25T15:00:00Z'), 1)).toEqual(at('2024-10-28T16:00:00Z'));
    expect(hours.workingSecondsBetween(at('2024-10-25T15:00:00Z'), at('2024-10-28T16:00:00Z'))).toBe(8 * H);
  });

  it('given business hours, when a hand-off is Friday 25 Oct 18:00 BST (after hours) with N=1, then the clock starts Mon 28 Oct 09:00 GMT and it is due 17:00 GMT', () => {
    expect(hours.nextWorkingInstant(at('2024-10-25T17:00:00Z'))).toEqual(at('2024-10-28T09:00:00Z'));
    expect(hours.addWorkingDays(at('2024-10-25T17:00:00Z'), 1)).toEqual(at('2024-10-28T17:00:00Z'));
  });

  it('given business hours, then the local 09:00-17:00 window moves by an hour in UTC across the change', () => {
    expect(hours.workingIntervalsOn('2024-03-29')).toEqual([{ start: at('2024-03-29T09:00:00Z'), end: at('2024-03-29T17:00:00Z') }]);
    expect(hours.workingIntervalsOn('2024-04-01')).toEqual([{ start: at('2024-04-01T08:00:00Z'), end: at('2024-04-01T16:00:00Z') }]);
  });
});

describe('WorkingCalendar across DST: America/New_York', () => {
  const cal = new WorkingCalendar({ timeZone: 'America/New_York' });
  const hours = new WorkingCalendar({ timeZone: 'America/New_York', businessHours: nineToFive });

  it('given a hand-off Friday 8 Mar 15:00 EST (20:00Z) before spring-forward, when N=5, then it is due Friday 15 Mar 15:00 EDT (19:00Z) after 120 working hours', () => {
    const due = cal.addWorkingDays(at('2024-03-08T20:00:00Z'), 5);
    expect(due).toEqual(at('2024-03-15T19:00:00Z'));
    expect(cal.workingSecondsBetween(at('2024-03-08T20:00:00Z'), due)).toBe(120 * H);
    expect(hoursBetween(at('2024-03-08T20:00:00Z'), due)).toBe(167);
  });

  it('given a hand-off Saturday 9 Mar 10:00 EST, when N=5, then the clock starts Mon 11 Mar 00:00 EDT (04:00Z) and it is due Sat 16 Mar 00:00 EDT (04:00Z)', () => {
    expect(cal.nextWorkingInstant(at('2024-03-09T15:00:00Z'))).toEqual(at('2024-03-11T04:00:00Z'));
    expect(cal.addWorkingDays(at('2024-03-09T15:00:00Z'), 5)).toEqual(at('2024-03-16T04:00:00Z'));
  });

  it('given a hand-off Friday 1 Nov 15:00 EDT (19:00Z) before fall-back, when N=5, then it is due Friday 8 Nov 15:00 EST (20:00Z) after 120 working hours', () => {
    const due = cal.addWorkingDays(at('2024-11-01T19:00:00Z'), 5);
    expect(due).toEqual(at('2024-11-08T20:00:00Z'));
    expect(cal.workingSecondsBetween(at('2024-11-01T19:00:00Z'), due)).toBe(120 * H);
    expect(hoursBetween(at('2024-11-01T19:00:00Z'), due)).toBe(169);
  });

  it('given a hand-off Saturday 2 Nov 10:00 EDT, when N=5, then the clock starts Mon 4 Nov 00:00 EST (05:00Z) and it is due Sat 9 Nov 00:00 EST (05:00Z)', () => {
    expect(cal.addWorkingDays(at('2024-11-02T14:00:00Z'), 5)).toEqual(at('2024-11-09T05:00:00Z'));
  });

  it('given business hours, when a hand-off is Friday 8 Mar 16:00 EST (21:00Z), then N=1 is due Mon 11 Mar 16:00 EDT (20:00Z) and N=5 Fri 15 Mar 16:00 EDT (20:00Z)', () => {
    // N=1: Fri 16:00-17:00 EST 1 h + Mon 09:00-16:00 EDT 7 h = 8 h; N=5: 1 h + 4 x 8 h + 7 h = 40 h
    expect(hours.addWorkingDays(at('2024-03-08T21:00:00Z'), 1)).toEqual(at('2024-03-11T20:00:00Z'));
    expect(hours.addWorkingDays(at('2024-03-08T21:00:00Z'), 5)).toEqual(at('2024-03-15T20:00:00Z'));
    expect(hours.workingSecondsBetween(at('2024-03-08T21:00:00Z'), at('2024-03-15T20:00:00Z'))).toBe(40 * H);
  });

  it('given business hours, when a hand-off is Friday 8 Mar 07:00 EST (before hours) with N=1, then the clock starts 09:00 EST (14:00Z) and it is due 17:00 EST (22:00Z)', () => {
    expect(hours.nextWorkingInstant(at('2024-03-08T12:00:00Z'))).toEqual(at('2024-03-08T14:00:00Z'));
    expect(hours.addWorkingDays(at('2024-03-08T12:00:00Z'), 1)).toEqual(at('2024-03-08T22:00:00Z'));
  });

  it('given business hours, when a hand-off is Friday 1 Nov 16:00 EDT (20:00Z) with N=1, then it is due Mon 4 Nov 16:00 EST (21:00Z)', () => {
    expect(hours.addWorkingDays(at('2024-11-01T20:00:00Z'), 1)).toEqual(at('2024-11-04T21:00:00Z'));
  });

  it('given business hours, when a hand-off is Friday 1 Nov 18:00 EDT (after hours) with N=5, then the clock starts Mon 4 Nov 09:00 EST (14:00Z) and it is due Fri 8 Nov 17:00 EST (22:00Z)', () => {
    expect(hours.nextWorkingInstant(at('2024-11-01T22:00:00Z'))).toEqual(at('2024-11-04T14:00:00Z'));
    const due = hours.addWorkingDays(at('2024-11-01T22:00:00Z'), 5);
    expect(due).toEqual(at('2024-11-08T22:00:00Z'));
    expect(hours.workingSecondsBetween(at('2024-11-01T22:00:00Z'), due)).toBe(40 * H);
  });
});

describe('DST caveat: a DST change on a working day (7-day week) — due times keep local wall time, working time is real seconds', () => {
  const london7 = new WorkingCalendar({ timeZone: 'Europe/London', weekendDays: [] });
  const newYork7 = new WorkingCalendar({ timeZone: 'America/New_York', weekendDays: [] });

  it('given London 7-day, when a hand-off Fri 29 Mar 15:00 GMT has N=5, then it is due Wed 3 Apr 15:00 BST (14:00Z) but only 119 working hours elapse (Sunday has 23 h)', () => {
    const due = london7.addWorkingDays(at('2024-03-29T15:00:00Z'), 5);
    expect(due).toEqual(at('2024-04-03T14:00:00Z'));
    expect(london7.workingSecondsBetween(at('2024-03-29T15:00:00Z'), due)).toBe(119 * H);
  });

  it('given London 7-day, when a hand-off Fri 25 Oct 15:00 BST has N=5, then it is due Wed 30 Oct 15:00 GMT (15:00Z) and 121 working hours elapse (Sunday has 25 h)', () => {
    const due = london7.addWorkingDays(at('2024-10-25T14:00:00Z'), 5);
    expect(due).toEqual(at('2024-10-30T15:00:00Z'));
    expect(london7.workingSecondsBetween(at('2024-10-25T14:00:00Z'), due)).toBe(121 * H);
  });

  it('given New York 7-day, when the whole 23-hour Sunday 10 Mar is the only working day elapsed, then it is due at its end, Mon 11 Mar 00:00 EDT (04:00Z)', () => {
    expect(newYork7.workingIntervalsOn('2024-03-10')).toEqual([{ start: at('2024-03-10T05:00:00Z'), end: at('2024-03-11T04:00:00Z') }]);
    expect(newYork7.addWorkingDays(at('2024-03-10T05:00:00Z'), 1)).toEqual(at('2024-03-11T04:00:00Z'));
    expect(newYork7.workingSecondsBetween(at('2024-03-10T05:00:00Z'), at('2024-03-11T04:00:00Z'))).toBe(23 * H);
  });

  it('given New York 7-day, when a hand-off Sat 9 Mar 02:30 EST has N=1 and 02:30 does not exist on Sunday, then the due time moves forward by the gap to 03:30 EDT (07:30Z)', () => {
    expect(newYork7.addWorkingDays(at('2024-03-09T07:30:00Z'), 1)).toEqual(at('2024-03-10T07:30:00Z'));
    expect(newYork7.workingSecondsBetween(at('2024-03-09T07:30:00Z'), at('2024-03-10T07:30:00Z'))).toBe(24 * H);
  });

  it('given New York 7-day, when a hand-off Sat 2 Nov 01:30 EDT has N=1 and Sunday 01:30 occurs twice, then it is due at the earlier one (01:30 EDT, 05:30Z)', () => {
    expect(newYork7.addWorkingDays(at('2024-11-02T05:30:00Z'), 1)).toEqual(at('2024-11-03T05:30:00Z'));
  });

  it('given New York 7-day, when the hand-off is inside the repeated hour, then the due time carries the wall time (documented non-monotonicity)', () => {
    // first 01:30 (EDT, 05:30Z) -> Mon 01:30 EST (06:30Z): 25 working hours because Sunday has 25 h
    expect(newYork7.addWorkingDays(at('2024-11-03T05:30:00Z'), 1)).toEqual(at('2024-11-04T06:30:00Z'));
    expect(newYork7.workingSecondsBetween(at('2024-11-03T05:30:00Z'), at('2024-11-04T06:30:00Z'))).toBe(25 * H);
    // second 01:15 (EST, 06:15Z), a later instant with an earlier wall time -> Mon 01:15 EST (06:15Z), before the above
    expect(newYork7.addWorkingDays(at('2024-11-03T06:15:00Z'), 1)).toEqual(at('2024-11-04T06:15:00Z'));
  });

  it('given New York 7-day with business hours 09:00-17:00, when crossing the spring-forward Sunday, then working time is exactly N x 8 h (the change is outside business hours)', () => {
    const hours7 = new WorkingCalendar({ timeZone: 'America/New_York', weekendDays: [], businessHours: nineToFive });
    // Fri 8 Mar 16:00 EST (21:00Z), N=2 -> Sun 10 Mar 16:00 EDT (20:00Z): 1 h + 8 h + 7 h
    const due = hours7.addWorkingDays(at('2024-03-08T21:00:00Z'), 2);
    expect(due).toEqual(at('2024-03-10T20:00:00Z'));
    expect(hours7.workingSecondsBetween(at('2024-03-08T21:00:00Z'), due)).toBe(16 * H);
  });

  it('given New York 7-day with hours 00:00-01:15, when Sun 3 Nov repeats 01:00-02:00, then working time is both passes: 00:00-01:15 EDT and 01:00-01:15 EST (1.5 h)', () => {
    const early = new WorkingCalendar({ timeZone: 'America/New_York', weekendDays: [], businessHours: { start: '00:00', end: '01:15' } });
    expect(early.workingIntervalsOn('2024-11-03')).toEqual([
      { start: at('2024-11-03T04:00:00Z'), end: at('2024-11-03T05:15:00Z') },
      { start: at('2024-11-03T06:00:00Z'), end: at('2024-11-03T06:15:00Z') },
    ]);
    expect(early.workingSecondsBetween(at('2024-11-03T00:00:00Z'), at('2024-11-04T00:00:00Z'))).toBe(1.5 * H);
    // Sat 2 Nov 01:10 EDT (05:10Z), N=1 -> Sun 01:10, the earlier pass (EDT, 05:10Z): 5 min + 70 min = 75 min
    expect(early.addWorkingDays(at('2024-11-02T05:10:00Z'), 1)).toEqual(at('2024-11-03T05:10:00Z'));
    // Sun 01:30 EDT (05:30Z) is between the passes: the clock starts at 01:00 EST (06:00Z) -> due Mon 01:00 EST (06:00Z)
    expect(early.nextWorkingInstant(at('2024-11-03T05:30:00Z'))).toEqual(at('2024-11-03T06:00:00Z'));
    expect(early.addWorkingDays(at('2024-11-03T05:30:00Z'), 1)).toEqual(at('2024-11-04T06:00:00Z'));
    expect(early.workingSecondsBetween(at('2024-11-03T05:30:00Z'), at('2024-11-04T06:00:00Z'))).toBe(75 * 60);
    expect(early.isWorkingInstant(at('2024-11-03T06:10:00Z'))).toBe(true);
    expect(early.isWorkingInstant(at('2024-11-03T05:30:00Z'))).toBe(false);
  });

  it('given New York 7-day with hours 02:30-10:00, when Sun 10 Mar skips 02:00-03:00, then the day opens at the end of the gap, 03:00 EDT (07:00Z), for 7 h', () => {
    const gap = new WorkingCalendar({ timeZone: 'America/New_York', weekendDays: [], businessHours: { start: '02:30', end: '10:00' } });
    expect(gap.workingIntervalsOn('2024-03-10')).toEqual([{ start: at('2024-03-10T07:00:00Z'), end: at('2024-03-10T14:00:00Z') }]);
    // Before hours on Sun 10 Mar (01:00 EST, 06:00Z), N=1: the clock starts 03:00 EDT, due at the close 10:00 EDT (14:00Z)
    expect(gap.addWorkingDays(at('2024-03-10T06:00:00Z'), 1)).toEqual(at('2024-03-10T14:00:00Z'));
    // Sat 9 Mar 02:45 EST (07:45Z), N=1: Sunday 02:45 does not exist -> forward by the gap to 03:45 EDT (07:45Z);
    // working time 7 h 15 min (Sat) + 45 min (Sun) = 8 h, not the standard 7.5 h (DST caveat)
    expect(gap.addWorkingDays(at('2024-03-09T07:45:00Z'), 1)).toEqual(at('2024-03-10T07:45:00Z'));
    expect(gap.workingSecondsBetween(at('2024-03-09T07:45:00Z'), at('2024-03-10T07:45:00Z'))).toBe(8 * H);
  });

  it('given America/Santiago 7-day, when Sunday 8 Sep 2024 has no midnight (00:00 -> 01:00), then that working day starts at 01:00 -03 (04:00Z) and lasts 23 h', () => {
    const santiago7 = new WorkingCalendar({ timeZone: 'America/Santiago', weekendDays: [] });
    expect(santiago7.workingIntervalsOn('2024-09-08')).toEqual([{ start: at('2024-09-08T04:00:00Z'), end: at('2024-09-09T03:00:00Z') }]);
    // Sat 7 Sep 12:00 -04 (16:00Z), N=1 -> Sun 8 Sep 12:00 -03 (15:00Z): 23 working hours
    expect(santiago7.addWorkingDays(at('2024-09-07T16:00:00Z'), 1)).toEqual(at('2024-09-08T15:00:00Z'));
    expect(santiago7.workingSecondsBetween(at('2024-09-07T16:00:00Z'), at('2024-09-08T15:00:00Z'))).toBe(23 * H);
    // Sat 6 Apr 2024 repeats 23:00-24:00 (-03 -> -04): a 25 h day, 00:00 -03 (03:00Z) to Sun 00:00 -04 (04:00Z)
    expect(santiago7.workingIntervalsOn('2024-04-06')).toEqual([{ start: at('2024-04-06T03:00:00Z'), end: at('2024-04-07T04:00:00Z') }]);
  });
});
