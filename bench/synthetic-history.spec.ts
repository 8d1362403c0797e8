import { DEFAULT_FUNNEL_DEFINITION, deriveStageVisits, type LeadEvent } from '../libs/domain/src/index.js';
import { syntheticFeed, type SyntheticEvent } from './synthetic-history.js';

const OPTIONS = { leads: 20_000, seed: 7, start: new Date('2023-01-01T00:00:00Z'), end: new Date('2026-01-01T00:00:00Z') };

describe('syntheticFeed', () => {
  const feed = [...syntheticFeed(OPTIONS)];
  const byLead = new Map<string, SyntheticEvent[]>();
  for (const e of feed) (byLead.get(e.leadId) ?? byLead.set(e.leadId, []).get(e.leadId)!).push(e);

  it('is deterministic for a seed and differs across seeds', () => {
    const again = [...syntheticFeed({ ...OPTIONS, leads: 500 })];
    const same = [...syntheticFeed({ ...OPTIONS, leads: 500 })];
    expect(JSON.stringify(again)).toBe(JSON.stringify(same));
    const other = [...syntheticFeed({ ...OPTIONS, leads: 500, seed: 8 })];
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(again));
  });

  it('emits every lead once, in business-time order, each stream gap-free in revision order, nothing after the end', () => {
    expect(byLead.size).toBe(OPTIONS.leads);
    for (let i = 1; i < feed.length; i++) expect(feed[i]!.event.occurredAt.getTime()).toBeGreaterThanOrEqual(feed[i - 1]!.event.occurredAt.getTime());
    for (const events of byLead.values()) {
      expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i + 1));
      expect(events[0]!.event.type).toBe('ResponderCaptured');
    }
    expect(Math.max(...feed.map((e) => e.event.occurredAt.getTime()))).toBeLessThan(OPTIONS.end.getTime());
  });

  it('has the funnel shape the issue asks for', () => {
    const reached = new Map<string, number>();
    let handOffs = 0;
    let accepted = 0;
    let rejected = 0;
    let recycled = 0;
    for (const [leadId, events] of byLead) {
      const visits = deriveStageVisits(leadId, events.map((e) => e.event as LeadEvent), DEFAULT_FUNNEL_DEFINITION, OPTIONS.end);
      for (const stage of new Set(visits.map((v) => v.stage))) reached.set(stage, (reached.get(stage) ?? 0) + 1);
      for (const { event } of events) {
        if (event.type === 'HandedOff') handOffs++;
        if (event.type === 'Accepted') accepted++;
        if (event.type === 'Rejected') rejected++;
        if (event.type === 'Recycled') recycled++;
      }
    }
    const leads = OPTIONS.leads;
    const share = (stage: string) => (reached.get(stage) ?? 0) / leads;
    // Most responders never reach MQL.
    expect(share('mql')).toBeGreaterThan(0.08);
    expect(share('mql')).toBeLessThan(0.3);
    // Most hand-offs are accepted, some rejected, some recycled.
    expect(rejected / handOffs).toBeGreaterThan(0.08);
    expect(rejected / handOffs).toBeLessThan(0.25);
    expect(recycled).toBeGreaterThan(0);
    // Roughly a quarter of SALs won.
    const wonPerSal = share('won') / share('sal');
    expect(wonPerSal).toBeGreaterThan(0.18);
    expect(wonPerSal).toBeLessThan(0.32);
    expect(accepted).toBeGreaterThan(handOffs * 0.6);
  });
});
