import { Inject, Injectable } from '@nestjs/common';
import { LeadNotFoundError, isValidLeadId } from '../../../../libs/domain/src/index.js';
import type { PostgresVerificationReport } from '../../../../libs/event-store/src/index.js';
import { verifyChains, type VerifyChainsOptions } from '../../../../libs/event-store/src/verify.js';
import { LedgerStorage } from '../storage/ledger-storage.js';
import { BrokenLink, BrokenLinkReason, LedgerVerification } from './audit.types.js';

/**
 * Proof that the ledger was not altered: recomputes the hash chains (libs/event-store/src/verify.ts) of one
 * lead's stream or of every stream, in one read-only snapshot.
 */
@Injectable()
export class AuditService {
  constructor(@Inject(LedgerStorage) private readonly storage: LedgerStorage) {}

  /** The lead's stream (its id, as the lead mutations append to it). Unknown lead: LeadNotFoundError (NOT_FOUND). */
  async verifyLead(leadId: string): Promise<LedgerVerification> {
    // A reserved id ('$...') names one of the ledger's own streams (verifyLedger covers them), never a lead.
    if (!isValidLeadId(leadId)) throw new LeadNotFoundError(leadId);
    const report = await verifyChains(() => this.storage.pool.connect(), leadId);
    // A stream with a head but no stored events counts as checked (and broken): only a stream never written is unknown.
    if (report.streamsChecked === 0) throw new LeadNotFoundError(leadId);
    return toVerification(report);
  }

  /** Every stream, in stream order, in keyset batches (constant memory); progress and cancellation through options. */
  async verifyLedger(options: VerifyChainsOptions = {}): Promise<LedgerVerification> {
    return toVerification(await verifyChains(() => this.storage.pool.connect(), null, options));
  }

  /** Events in the ledger now (for a progress line's total). */
  async eventCount(): Promise<number> {
    const { rows } = await this.storage.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM events');
    return Number(rows[0]!.n);
  }
}

const REASONS: Record<string, BrokenLinkReason> = {
  hash_mismatch: BrokenLinkReason.HASH_MISMATCH,
  missing_revision: BrokenLinkReason.MISSING_REVISION,
  head_mismatch: BrokenLinkReason.HEAD_MISMATCH,
};

function toVerification(report: PostgresVerificationReport): LedgerVerification {
  const link = report.firstBrokenLink;
  return Object.assign(new LedgerVerification(), {
    ok: report.ok,
    streamsChecked: report.streamsChecked,
    eventsChecked: report.eventsChecked,
    firstBrokenLink: link
      ? Object.assign(new BrokenLink(), {
          streamId: link.streamId,
          revision: link.revision,
          // The verifier reports '' where there is no event or hash to name (a missing revision).
          eventId: link.eventId || null,
          expectedHash: link.expectedHash || null,
          storedHash: link.storedHash || null,
          reason: REASONS[link.reason]!,
          message: link.message,
        })
      : null,
  });
}
