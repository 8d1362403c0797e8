import {
  decide,
  evolve,
  initialLeadState,
  type LeadCommand,
  type LeadEvent,
  type LeadState,
  type Origin,
} from '../libs/domain/src/index.js';
import { prng, pick, subSeed, type Random } from './payload.js';

/**
 * Seeded synthetic lead histories with a realistic funnel shape, for the read-side benchmark.
 *
 * Each lead walks a small Markov process of COMMANDS that go through the lead's own decider (libs/domain
 * `decide` + `evolve`), so every generated history is one the write side would accept, with the exact event
 * shapes the projections read. The shape (rates per step, delays) is set in SHAPE below:
 * - most responders never reach MQL (about 1 in 6 marketing leads scores >= 75);
 * - most hand-offs are accepted, some rejected (a third of those recycled later, a few handed off again),
 *   a few never answered (open or overdue SLA cases);
 * - roughly a quarter of SALs are won, about half lost, some recycled, the rest still open;
 * - delays are log-normal (hours to months), so velocity and SLA figures have long right tails.
 * Events after `end` are cut off: leads captured near the end are still open, as in a live system.
 *
 * The same (seed, leads, start, end) gives the same histories, event for event.
 */
export interface SyntheticHistoryOptions {
  leads: number;
  seed: number;
  /** Captures are spread uniformly over [start, end). */
  start: Date;
  end: Date;
}

export interface SyntheticEvent {
  leadId: string;
  /** 1-based position in the lead's stream. */
  revision: number;
  event: LeadEvent;
  actor: { type: 'user' | 'system'; id: string };
}

export const SHAPE = {
  origin: { MARKETING: 0.8, SALES: 0.14, PARTNER: 0.06 } as Record<Origin, number>,
  scored: 0.7,
  rescored: 0.15,
  mqlHandedOff: 0.88,
  mqlRecycled: 0.07,
  responderLost: 0.05,
  handOff: { accepted: 0.78, rejected: 0.14, lost: 0.02 /* rest: never answered */ },
  rejectedRecycled: 0.35,
  sal: { won: 0.26, lost: 0.46, recycled: 0.1 /* rest: still open */ },
  salStepAdvanced: 0.4,
  directAccept: 0.8,
  directLost: 0.1,
  maxCycles: 3,
};

/** A command without its lead and time (the walk fills those in); distributes over the union. */
type CommandBody = LeadCommand extends infer C ? (C extends LeadCommand ? Omit<C, 'leadId' | 'occurredAt'> : never) : never;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const MARKETING_CHANNELS = ['web form', 'webinar', 'e-mail campaign', 'content download', 'trade show', 'paid search'];
const SALES_CHANNELS = ['field sales', 'outbound call'];
const PARTNER_CHANNELS = ['partner referral'];
const INDUSTRIES = ['manufacturing', 'logistics', 'financial services', 'healthcare', 'retail', 'software', 'energy', 'public sector'];
const COUNTRIES = ['DE', 'FR', 'NL', 'US', 'GB', 'SE', 'PL', 'IT', 'ES', 'AT'];
const SEGMENTS = ['SMB', 'Mid-Market', 'Enterprise'];
const PRODUCTS = ['Ledger Core', 'Ledger Analytics', 'Ledger Audit', 'Ledger Connect', 'Ledger Suite'];
const TEAMS = ['north', 'south', 'east', 'west', 'central', 'enterprise', 'public', 'partners'];
const OWNERS = 120;
const CAMPAIGNS = 40;
const REJECT_REASONS = ['no-budget', 'not-a-fit', 'duplicate', 'bad-timing'];
const LOST_REASONS = ['competitor', 'no-decision', 'price', 'timing'];
const STEPS = ['meeting', 'demo', 'proposal', 'negotiation'];

/** Log-normal delay with the given median (ms) and spread (sigma of the underlying normal). */
function delay(random: Random, medianMs: number, sigma = 1): number {
  const u1 = Math.max(random(), 1e-12);
  const u2 = random();
  const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.round(medianMs * Math.exp(sigma * normal));
}

function logNormalAmount(random: Random, median: number): number {
  return Math.max(500, Math.round(delay(random, median, 0.8) / 100) * 100);
}

function chooseOrigin(random: Random): Origin {
  const r = random();
  if (r < SHAPE.origin.MARKETING) return 'MARKETING';
  return r < SHAPE.origin.MARKETING + SHAPE.origin.SALES ? 'SALES' : 'PARTNER';
}

/** BANTT components around a lead quality q in [0, 1] (total ~ 100 q). */
function scoreComponents(random: Random, quality: number) {
  const component = () => Math.max(0, Math.min(20, Math.round(quality * 20 + (random() - 0.5) * 6)));
  return { budget: component(), authority: component(), need: component(), timeframe: component(), trust: component() };
}

/** One lead's history, walked through the decider; events after `endMs` are dropped (the lead is still open). */
export function syntheticLead(random: Random, leadId: string, capturedAtMs: number, endMs: number): SyntheticEvent[] {
  const out: SyntheticEvent[] = [];
  let state: LeadState = initialLeadState(leadId);
  // Read through a function: TypeScript does not see the closure below reassigning `state`.
  const latestScore = (): number => {
    const current: LeadState = state;
    return current.exists ? (current.score ?? 0) : 0;
  };
  let clock = capturedAtMs;
  let ended = false;
  const owner = `rep-${String(1 + Math.floor(random() * OWNERS)).padStart(3, '0')}`;
  const team = TEAMS[Number(owner.slice(4)) % TEAMS.length]!;
  const system = { type: 'system' as const, id: 'marketing-automation' };
  const rep = { type: 'user' as const, id: owner };

  /** Runs one command at clock + wait; false when that instant lies past the end (nothing more happens). */
  const run = (waitMs: number, command: CommandBody, actor: SyntheticEvent['actor']): boolean => {
    if (ended) return false;
    const at = clock + Math.max(0, waitMs);
    if (at >= endMs) {
      ended = true;
      return false;
    }
    clock = at;
    const occurredAt = new Date(at);
    const events = decide({ ...command, leadId, occurredAt } as LeadCommand, state, { now: occurredAt, defaultCurrency: 'USD' });
    for (const event of events) {
      state = evolve(state, event);
      out.push({ leadId, revision: out.length + 1, event, actor });
    }
    return true;
  };

  const origin = chooseOrigin(random);
  const channel = pick(random, origin === 'MARKETING' ? MARKETING_CHANNELS : origin === 'SALES' ? SALES_CHANNELS : PARTNER_CHANNELS);
  const year = new Date(capturedAtMs).getUTCFullYear();
  const campaign = origin === 'MARKETING' && random() < 0.7 ? `${year}-campaign-${String(1 + Math.floor(random() * CAMPAIGNS)).padStart(2, '0')}` : null;
  run(
    0,
    {
      type: 'CaptureResponder',
      channel,
      origin,
      campaign,
      account: { name: `Account ${leadId.slice(-6)}`, industry: pick(random, INDUSTRIES), country: pick(random, COUNTRIES), employees: Math.round(delay(random, 200, 1.2)) + 1 },
      contact: null,
      attributes: { segment: pick(random, SEGMENTS), product: pick(random, PRODUCTS) },
      estimatedValue: random() < 0.2 ? logNormalAmount(random, 15_000) : null,
    },
    system,
  );

  /** The sales side of an accepted lead: steps, then won / lost / recycled / still open. */
  const salesCycle = (): 'recycled' | 'closed' => {
    if (random() < SHAPE.salStepAdvanced) {
      run(delay(random, 7 * DAY), { type: 'AdvanceLeadStage', step: pick(random, STEPS), value: logNormalAmount(random, 22_000), note: null }, rep);
    }
    const r = random();
    if (r < SHAPE.sal.won) {
      run(delay(random, 45 * DAY, 0.7), { type: 'MarkLeadWon', amount: logNormalAmount(random, 25_000), currency: 'USD' }, rep);
      return 'closed';
    }
    if (r < SHAPE.sal.won + SHAPE.sal.lost) {
      run(delay(random, 30 * DAY, 0.8), { type: 'MarkLeadLost', reason: pick(random, LOST_REASONS), value: random() < 0.5 ? logNormalAmount(random, 20_000) : null, competitor: null, note: null }, rep);
      return 'closed';
    }
    if (r < SHAPE.sal.won + SHAPE.sal.lost + SHAPE.sal.recycled) {
      return run(delay(random, 40 * DAY, 0.8), { type: 'RecycleLead', reason: 'not-now', toStage: random() < 0.5 ? null : 'mql', note: null }, rep) ? 'recycled' : 'closed';
    }
    return 'closed';
  };

  if (origin !== 'MARKETING') {
    const r = random();
    if (r < SHAPE.directAccept) {
      run(delay(random, 2 * DAY), { type: 'AcceptLead', by: owner, note: null }, rep);
      salesCycle();
    } else if (r < SHAPE.directAccept + SHAPE.directLost) {
      run(delay(random, 20 * DAY), { type: 'MarkLeadLost', reason: pick(random, LOST_REASONS), value: null, competitor: null, note: null }, rep);
    }
    return out;
  }

  let quality = Math.pow(random(), 1.15);
  for (let cycle = 0; cycle < SHAPE.maxCycles && !ended; cycle++) {
    // Marketing: score (maybe twice), MQL at >= 75, then the hand-off.
    let isMql = false;
    if (random() < SHAPE.scored) {
      run(delay(random, 3 * DAY), { type: 'ScoreLead', ...scoreComponents(random, quality), model: 'bantt-v2' }, system);
      isMql = latestScore() >= 75;
      if (!isMql && random() < SHAPE.rescored) {
        quality = Math.min(1, quality + random() * 0.3);
        run(delay(random, 20 * DAY), { type: 'ScoreLead', ...scoreComponents(random, quality), model: 'bantt-v2' }, system);
        isMql = latestScore() >= 75;
      }
    }
    if (!isMql) {
      if (random() < SHAPE.responderLost) run(delay(random, 60 * DAY), { type: 'MarkLeadLost', reason: 'no-interest', value: null, competitor: null, note: null }, system);
      return out;
    }
    const m = random();
    if (m >= SHAPE.mqlHandedOff) {
      if (m < SHAPE.mqlHandedOff + SHAPE.mqlRecycled) {
        run(delay(random, 30 * DAY), { type: 'RecycleLead', reason: 'nurture', toStage: null, note: null }, system);
        quality = random();
        continue;
      }
      return out;
    }
    run(delay(random, 1 * DAY), { type: 'HandOffLead', ownerId: owner, team, note: null, estimatedValue: random() < 0.5 ? logNormalAmount(random, 20_000) : null }, system);
    const h = random();
    // Response times: median 1.5 days, so a tail of cases misses the 5-working-day SLA.
    const response = delay(random, 1.5 * DAY, 1.1);
    if (h < SHAPE.handOff.accepted) {
      run(response, { type: 'AcceptLead', by: owner, note: null }, rep);
      if (salesCycle() === 'recycled') {
        quality = random();
        continue;
      }
      return out;
    }
    if (h < SHAPE.handOff.accepted + SHAPE.handOff.rejected) {
      run(response, { type: 'RejectLead', by: owner, reason: pick(random, REJECT_REASONS), note: null }, rep);
      if (random() < SHAPE.rejectedRecycled) {
        run(delay(random, 30 * DAY), { type: 'RecycleLead', reason: 'rejected-nurture', toStage: null, note: null }, system);
        quality = Math.min(1, quality * 0.8 + random() * 0.4);
        continue;
      }
      return out;
    }
    if (h < SHAPE.handOff.accepted + SHAPE.handOff.rejected + SHAPE.handOff.lost) {
      run(response, { type: 'MarkLeadLost', reason: pick(random, LOST_REASONS), value: null, competitor: null, note: null }, rep);
    }
    return out; // never answered: an open or overdue SLA case
  }
  return out;
}

/** Binary min-heap of pending events by (occurredAt, lead index, revision): the feed in business-time order. */
class EventHeap {
  private readonly items: { at: number; lead: number; event: SyntheticEvent }[] = [];
  get size(): number {
    return this.items.length;
  }
  peekTime(): number {
    return this.items[0]!.at;
  }
  private less(a: number, b: number): boolean {
    const x = this.items[a]!;
    const y = this.items[b]!;
    return x.at !== y.at ? x.at < y.at : x.lead !== y.lead ? x.lead < y.lead : x.event.revision < y.event.revision;
  }
  push(at: number, lead: number, event: SyntheticEvent): void {
    const items = this.items;
    items.push({ at, lead, event });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  pop(): SyntheticEvent {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(l, m)) m = l;
        if (r < items.length && this.less(r, m)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top.event;
  }
}

/**
 * Every event of `leads` synthetic leads in business-time order (as a live system would have recorded them:
 * streams interleave), each stream's revisions in order. Memory: only the pending events of leads still in
 * motion (a few months of captures), never the whole history.
 */
export function* syntheticFeed(options: SyntheticHistoryOptions): Generator<SyntheticEvent> {
  const { leads, seed } = options;
  const startMs = options.start.getTime();
  const endMs = options.end.getTime();
  if (!(leads > 0) || !(endMs > startMs)) throw new Error('syntheticFeed: leads > 0 and start < end required');
  const random = prng(subSeed(seed, 'synthetic-history'));
  const span = endMs - startMs;
  const heap = new EventHeap();
  for (let i = 0; i < leads; i++) {
    // Captures in order: the i-th capture lies in the i-th slice of the span.
    const capturedAt = startMs + Math.floor(((i + random()) / leads) * span);
    while (heap.size > 0 && heap.peekTime() < capturedAt) yield heap.pop();
    const leadId = `lead-${seed.toString(36)}-${i.toString(36).padStart(6, '0')}`;
    for (const event of syntheticLead(random, leadId, capturedAt, endMs)) heap.push(event.event.occurredAt.getTime(), i, event);
  }
  while (heap.size > 0) yield heap.pop();
}
