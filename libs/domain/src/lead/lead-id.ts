import { ValidationError } from '../shared/errors.js';

/** Longest lead id accepted (CRM ids are far shorter; a bound keeps stream ids and indexes sane). */
export const MAX_LEAD_ID_LENGTH = 200;

/**
 * A lead id names the lead's stream. Ids starting with '$' are reserved for the ledger's own streams (e.g.
 * `$funnel-definitions`): a lead with such an id would append lead events to them, or read theirs as its own.
 * Control characters would make audit output ambiguous. Throws ValidationError on field `leadId`.
 */
export function assertValidLeadId(leadId: string): void {
  if (typeof leadId !== 'string' || leadId.trim() === '') throw new ValidationError('leadId', 'leadId must not be empty');
  if (leadId.length > MAX_LEAD_ID_LENGTH) throw new ValidationError('leadId', `leadId must be at most ${MAX_LEAD_ID_LENGTH} characters (got ${leadId.length})`);
  if (leadId.startsWith('$')) throw new ValidationError('leadId', `leadId must not start with '$': such stream ids are reserved for the ledger's own streams`);
  if (/[\u0000-\u001f\u007f]/.test(leadId)) throw new ValidationError('leadId', 'leadId must not contain control characters');
}

/** Whether an id could be a lead's (the checks of assertValidLeadId, without throwing). */
export function isValidLeadId(leadId: string): boolean {
  try {
    assertValidLeadId(leadId);
    return true;
  } catch {
    return false;
  }
}
