import type { NewEvent } from '../libs/event-store/src/index.js';

/**
 * Deterministic lead events for the benchmarks: the same seed gives the same events (ids included), so two
 * runs append byte-identical rows and differ only in timing. Shapes follow libs/domain/src/lead/events.ts;
 * the data documents average ~250-300 bytes of JSON (a realistic mix of captures, scores, hand-offs, ...).
 */

/** mulberry32: tiny, fast and good enough to vary payloads; not for anything security related. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed per label (FNV-1a over seed and label), so each measurement gets its own, reproducible stream of ids. */
export function subSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

export type Random = () => number;

export const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
export const int = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));

const hex = (random: Random, digits: number): string => {
  let out = '';
  for (let i = 0; i < digits; i++) out += '0123456789abcdef'[Math.floor(random() * 16)];
  return out;
};

/** Business time of the generated events and the clock of the generated UUID v7s (fixed: determinism). */
const BASE_MS = Date.UTC(2026, 0, 5, 8, 0, 0);
let idClockMs = BASE_MS;

/**
 * A UUID v7 from the seeded generator: time-ordered like the store's own ids (so the event_id index sees the
 * same append-mostly pattern), and unique across measurements because the clock only moves forward.
 */
export function seededUuidV7(random: Random): string {
  const ms = (idClockMs++).toString(16).padStart(12, '0');
  const variant = '89ab'[Math.floor(random() * 4)];
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${hex(random, 3)}-${variant}${hex(random, 3)}-${hex(random, 12)}`;
}

export const seededUuidV4 = (random: Random): string =>
  `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-${'89ab'[Math.floor(random() * 4)]}${hex(random, 3)}-${hex(random, 12)}`;

const CHANNELS = ['trade show', 'web form', 'e-mail campaign', 'field sales', 'partner referral', 'webinar', 'content download'];
const CAMPAIGNS = ['spring-webinar-2026', 'cebit-2026', 'q1-abm-enterprise', 'partner-summit', 'newsletter-feb', null];
const ORIGINS = ['MARKETING', 'MARKETING', 'SALES', 'PARTNER'] as const;
const INDUSTRIES = ['manufacturing', 'logistics', 'financial services', 'healthcare', 'retail', 'software', 'energy'];
const COUNTRIES = ['DE', 'FR', 'NL', 'US', 'GB', 'SE', 'PL', 'IT', 'ES', 'AT'];
const COMPANIES = ['Nordwind', 'Altamira', 'Brightline', 'Kestrel', 'Meridian', 'Oakridge', 'Solvay', 'Tandem', 'Vireo', 'Zephyr'];
const SUFFIXES = ['GmbH', 'AG', 'Ltd', 'Inc', 'BV', 'SAS', 'AB'];
const FIRST = ['Anna', 'Jonas', 'Marie', 'Lukas', 'Sofia', 'Noah', 'Emma', 'Elias', 'Lea', 'Paul'];
const LAST = ['Schmidt', 'Dubois', 'de Vries', 'Johnson', 'Andersson', 'Kowalski', 'Rossi', 'Garcia', 'Huber', 'Smith'];
const TITLES = ['Head of Procurement', 'CTO', 'VP Operations', 'IT Manager', 'Purchasing Lead', 'CFO', 'Plant Manager'];
const SEGMENTS = ['enterprise', 'mid-market', 'smb'];
const PRODUCTS = ['ledger-core', 'analytics', 'integration-suite', 'support-plus'];
const REGIONS = ['emea-north', 'emea-south', 'dach', 'na-east', 'na-west'];
const TEAMS = ['emea', 'dach', 'na', 'enterprise'];
const REASONS = ['no-budget', 'bad-timing', 'competitor', 'no-authority', 'duplicate'];
const STEPS = ['meeting-held', 'demo-done', 'proposal-sent', 'negotiation'];
const WORDS = (
  'customer asked for a follow up call next week about pricing tiers and the rollout plan for their three plants ' +
  'budget is approved for this fiscal year but procurement needs two more quotes before signing the framework ' +
  'contract champion is the new head of operations who saw the demo at the trade show and liked the reporting'
).split(' ');

function note(random: Random, min: number, max: number): string {
  const target = int(random, min, max);
  let text = '';
  while (text.length < target) text += (text ? ' ' : '') + pick(random, WORDS);
  return text.slice(0, target);
}

/** One event's type, schema version and data, shaped as the domain writes them. */
function leadFact(random: Random): Pick<NewEvent, 'type' | 'schemaVersion' | 'data'> {
  const roll = random();
  if (roll < 0.35) {
    const company = `${pick(random, COMPANIES)} ${pick(random, SUFFIXES)}`;
    const first = pick(random, FIRST);
    const last = pick(random, LAST);
    return {
      type: 'ResponderCaptured',
      schemaVersion: 1,
      data: {
        channel: pick(random, CHANNELS),
        campaign: pick(random, CAMPAIGNS),
        origin: pick(random, ORIGINS),
        account: {
          name: company,
          domain: `${company.split(' ')[0]!.toLowerCase()}.example`,
          industry: pick(random, INDUSTRIES),
          employees: int(random, 20, 20000),
          country: pick(random, COUNTRIES),
        },
        contact: { name: `${first} ${last}`, email: `${first.toLowerCase()}.${last.toLowerCase().replace(' ', '')}@example.com`, title: pick(random, TITLES) },
        attributes: { segment: pick(random, SEGMENTS), product: pick(random, PRODUCTS), region: pick(random, REGIONS) },
        estimatedValue: int(random, 5, 500) * 100,
      },
    };
  }
  if (roll < 0.55) {
    const [budget, authority, need, timeframe, trust] = [0, 0, 0, 0, 0].map(() => int(random, 0, 20)) as [number, number, number, number, number];
    return {
      type: 'LeadScored',
      schemaVersion: 1,
      data: { budget, authority, need, timeframe, trust, total: budget + authority + need + timeframe + trust, model: 'bantt-v1' },
    };
  }
  if (roll < 0.7) {
    return {
      type: 'HandedOff',
      schemaVersion: 1,
      data: { ownerId: `rep-${int(random, 1, 40)}`, team: pick(random, TEAMS), note: note(random, 120, 260), estimatedValue: int(random, 5, 500) * 100 },
    };
  }
  if (roll < 0.8) return { type: 'Accepted', schemaVersion: 1, data: { by: `rep-${int(random, 1, 40)}`, note: note(random, 150, 300) } };
  if (roll < 0.9) {
    return { type: 'StageAdvanced', schemaVersion: 1, data: { step: pick(random, STEPS), value: int(random, 5, 500) * 100, note: note(random, 150, 300) } };
  }
  if (roll < 0.95) {
    return {
      type: 'Lost',
      schemaVersion: 1,
      data: { reason: pick(random, REASONS), value: int(random, 5, 500) * 100, competitor: pick(random, [null, 'Acme Ledger', 'FunnelWorks']), note: note(random, 150, 300) },
    };
  }
  return { type: 'Won', schemaVersion: 1, data: { amount: int(random, 5, 500) * 100, currency: pick(random, ['EUR', 'USD', 'GBP']) } };
}

/** A batch for one append call: events for one stream, with the revision the stream is at before it. */
export interface BenchBatch {
  streamId: string;
  /** The stream's revision before this batch (0 = new stream). */
  revisionBefore: number;
  events: NewEvent[];
  /**
   * 32-byte stand-ins (hex) for the store's chain hashes, so the raw baselines write rows of the same size;
   * computing the real chain is part of what the store's append costs.
   */
  hashes: string[];
}

export interface BatchPlan {
  /** Distinguishes the streams (and the id seed) of one measurement from every other. */
  label: string;
  seed: number;
  totalEvents: number;
  batchSize: number;
  /** 'new': one new stream per batch; a number n: the batches go round-robin to n streams that grow. */
  streams: 'new' | number;
  /** Names the n growing streams (default: label), so later chunks can append to the same streams. */
  streamLabel?: string;
  /** Revisions of the growing streams, carried from chunk to chunk (updated in place). */
  revisions?: Map<string, number>;
}

export function generateBatches(plan: BatchPlan): BenchBatch[] {
  const random = prng(subSeed(plan.seed, plan.label));
  const batchCount = Math.ceil(plan.totalEvents / plan.batchSize);
  const revisions = plan.revisions ?? new Map<string, number>();
  const correlationId = seededUuidV4(random);
  const batches: BenchBatch[] = [];
  for (let b = 0; b < batchCount; b++) {
    const size = Math.min(plan.batchSize, plan.totalEvents - b * plan.batchSize);
    const streamId = plan.streams === 'new' ? `bench-${plan.label}-${b}` : `bench-${plan.streamLabel ?? plan.label}-s${b % plan.streams}`;
    const revisionBefore = revisions.get(streamId) ?? 0;
    revisions.set(streamId, revisionBefore + size);
    const events: NewEvent[] = [];
    const hashes: string[] = [];
    for (let i = 0; i < size; i++) {
      events.push({
        eventId: seededUuidV7(random),
        ...leadFact(random),
        metadata: { actor: { type: 'import', id: 'bench-import' }, correlationId, causationId: seededUuidV4(random) },
        occurredAt: new Date(BASE_MS + (revisionBefore + i) * 60_000),
      });
      hashes.push(hex(random, 64));
    }
    batches.push({ streamId, revisionBefore, events, hashes });
  }
  return batches;
}

/** Average JSON sizes of data and metadata (as stored: metadata gains idempotencyKey), for the report. */
export function payloadSizes(batches: BenchBatch[]): { dataBytes: number; metadataBytes: number } {
  let data = 0;
  let metadata = 0;
  let count = 0;
  for (const batch of batches) {
    for (const event of batch.events) {
      data += Buffer.byteLength(JSON.stringify(event.data));
      metadata += Buffer.byteLength(JSON.stringify({ ...event.metadata, idempotencyKey: null }));
      count++;
    }
  }
  return { dataBytes: Math.round(data / count), metadataBytes: Math.round(metadata / count) };
}
