import type { Account, Contact, Origin } from './events.js';

/**
 * What a caller asks of a lead: one command per funnel event. Inputs are as the caller sent them (optional
 * fields may be absent); `decide` validates them and turns them into events.
 */
export interface CommandBase {
  leadId: string;
  /** Business time of the fact; defaults to the decision's `now`. */
  occurredAt?: Date;
}

export interface CaptureResponder extends CommandBase {
  type: 'CaptureResponder';
  channel: string;
  origin: Origin;
  campaign?: string | null;
  account?: Account | null;
  contact?: Contact | null;
  attributes?: Record<string, unknown> | null;
  estimatedValue?: number | null;
}

export interface ScoreLead extends CommandBase {
  type: 'ScoreLead';
  budget: number;
  authority: number;
  need: number;
  timeframe: number;
  trust: number;
  model?: string | null;
}

export interface HandOffLead extends CommandBase {
  type: 'HandOffLead';
  ownerId: string;
  team?: string | null;
  note?: string | null;
  estimatedValue?: number | null;
}

export interface AcceptLead extends CommandBase {
  type: 'AcceptLead';
  by: string;
  note?: string | null;
}

export interface RejectLead extends CommandBase {
  type: 'RejectLead';
  by: string;
  reason: string;
  note?: string | null;
}

export interface RecycleLead extends CommandBase {
  type: 'RecycleLead';
  reason: string;
  toStage?: string | null;
  note?: string | null;
}

export interface MarkLeadLost extends CommandBase {
  type: 'MarkLeadLost';
  reason: string;
  value?: number | null;
  competitor?: string | null;
  note?: string | null;
}

export interface MarkLeadWon extends CommandBase {
  type: 'MarkLeadWon';
  amount: number;
  currency?: string | null;
}

export interface AdvanceLeadStage extends CommandBase {
  type: 'AdvanceLeadStage';
  step: string;
  value?: number | null;
  note?: string | null;
}

export type LeadCommand =
  | CaptureResponder
  | ScoreLead
  | HandOffLead
  | AcceptLead
  | RejectLead
  | RecycleLead
  | MarkLeadLost
  | MarkLeadWon
  | AdvanceLeadStage;

export type LeadCommandType = LeadCommand['type'];
