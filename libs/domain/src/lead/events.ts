/**
 * The nine facts of a lead's journey (shared/domain.md). Events are facts; stages are an interpretation of
 * them by a funnel definition, so nothing here names a stage except the optional `toStage` of a recycle.
 * Every event type carries a schema version; a changed shape gets a new version plus an upcaster
 * (see upcasting.ts), never a rewrite of stored events.
 */
export type Origin = 'MARKETING' | 'SALES' | 'PARTNER';
export const ORIGINS: readonly Origin[] = ['MARKETING', 'SALES', 'PARTNER'];

export interface Account {
  name?: string | null;
  domain?: string | null;
  industry?: string | null;
  employees?: number | null;
  country?: string | null;
}

export interface Contact {
  name?: string | null;
  email?: string | null;
  title?: string | null;
}

export interface ResponderCapturedData {
  channel: string;
  /** null records "no campaign" explicitly (shared/domain.md: closed feedback loop). */
  campaign: string | null;
  origin: Origin;
  account: Account | null;
  contact: Contact | null;
  /** Flat map of string values (segment, product, region...), used as a source dimension. */
  attributes: Record<string, string>;
  estimatedValue: number | null;
}

export interface LeadScoredData {
  budget: number;
  authority: number;
  need: number;
  timeframe: number;
  trust: number;
  /** Sum of the five BANTT components (0..100), stored so readers never recompute it. */
  total: number;
  model: string | null;
}

export interface HandedOffData {
  ownerId: string;
  team: string | null;
  note: string | null;
  estimatedValue: number | null;
}

export interface AcceptedData {
  by: string;
  note: string | null;
}

export interface RejectedData {
  by: string;
  reason: string;
  note: string | null;
}

export interface RecycledData {
  reason: string;
  /** The stage the lead returns to; null = the definition's default (the first stage). */
  toStage: string | null;
  note: string | null;
}

export interface LostData {
  reason: string;
  value: number | null;
  competitor: string | null;
  note: string | null;
}

export interface WonData {
  amount: number;
  currency: string;
}

export interface StageAdvancedData {
  step: string;
  value: number | null;
  note: string | null;
}

export interface LeadEventDataMap {
  ResponderCaptured: ResponderCapturedData;
  LeadScored: LeadScoredData;
  HandedOff: HandedOffData;
  Accepted: AcceptedData;
  Rejected: RejectedData;
  Recycled: RecycledData;
  Lost: LostData;
  Won: WonData;
  StageAdvanced: StageAdvancedData;
}

export type LeadEventType = keyof LeadEventDataMap;

export const LEAD_EVENT_TYPES: readonly LeadEventType[] = [
  'ResponderCaptured',
  'LeadScored',
  'HandedOff',
  'Accepted',
  'Rejected',
  'Recycled',
  'Lost',
  'Won',
  'StageAdvanced',
];

/** The schema version each event type is written with today. */
export const CURRENT_SCHEMA_VERSION: { readonly [T in LeadEventType]: number } = {
  ResponderCaptured: 1,
  LeadScored: 1,
  HandedOff: 1,
  Accepted: 1,
  Rejected: 1,
  Recycled: 1,
  Lost: 1,
  Won: 1,
  StageAdvanced: 1,
};

/** A lead event as the domain sees it: the fact plus its business time. */
export type LeadEvent = {
  [T in LeadEventType]: {
    type: T;
    schemaVersion: number;
    data: LeadEventDataMap[T];
    occurredAt: Date;
  };
}[LeadEventType];

export type LeadEventOf<T extends LeadEventType> = Extract<LeadEvent, { type: T }>;

export function isLeadEventType(type: string): type is LeadEventType {
  return (LEAD_EVENT_TYPES as readonly string[]).includes(type);
}
