import { LeadNotFoundError } from '../../../../libs/domain/src/index.js';
import { AuditService } from '../../../api/src/audit/audit.service.js';
import type { LedgerVerification } from '../../../api/src/audit/audit.types.js';
import type { CliCommand } from '../cli-command.js';
import { CliError, EXIT, UsageError } from '../exit-codes.js';
import { ProgressBar } from '../progress.js';

/** A whole-ledger check shorter than this prints no progress line at all (nothing to wait for). */
const QUIET_FOR_MS = 2000;

/**
 * `ledger verify [--lead <id>]`: recomputes the hash chains (README, "Auditing the ledger"). Exit 0 when intact,
 * 1 with the first broken link printed, 3 for an unknown lead, 130 when interrupted.
 */
export const verifyCommand: CliCommand = {
  words: ['verify'],
  usage: '[--lead <id>] [--json]',
  summary: 'Recompute the hash chains of the whole ledger (or of one lead) and report the first broken link',
  details: [
    'Options:',
    '  --lead <id>   verify only this lead\'s stream',
    '  --json        print { ok, streamsChecked, eventsChecked, firstBrokenLink } on stdout',
    '',
    'The whole ledger is read once, in one read-only snapshot (appends go on meanwhile); a progress line with',
    'rate and ETA goes to stderr when it takes a while. Ctrl-C stops it (exit 130).',
    '',
    'Exit codes: 0 intact; 1 a link is broken (streamId, revision, eventId, expected and stored hash printed);',
    '3 no such lead.',
  ].join('\n'),
  options: { lead: { type: 'string' } },
  async run(ctx, args) {
    const lead = args.values.lead as string | undefined;
    if (lead !== undefined && lead.trim() === '') throw new UsageError('--lead needs a lead id');
    const audit = await ctx.get(AuditService);

    let result: LedgerVerification;
    if (lead !== undefined) {
      try {
        result = await audit.verifyLead(lead);
      } catch (error) {
        if (error instanceof LeadNotFoundError) throw new CliError(`no lead ${JSON.stringify(lead)} in the ledger`, EXIT.notFound);
        throw error;
      }
    } else {
      const total = await audit.eventCount();
      const bar = new ProgressBar({ label: 'verify', unit: 'events', stream: ctx.err });
      const startedAt = Date.now();
      const long = () => Date.now() - startedAt >= QUIET_FOR_MS;
      try {
        result = await audit.verifyLedger({
          signal: ctx.signal,
          onProgress: (events) => {
            if (long()) bar.update(events, total);
          },
        });
      } catch (error) {
        bar.interrupt();
        if (ctx.signal.aborted) throw new CliError('verification interrupted: nothing was concluded', EXIT.interrupted);
        throw error;
      }
      if (long()) bar.finish(result.eventsChecked, Math.max(total, result.eventsChecked));
    }

    if (args.json) ctx.printJson(result);
    else printVerification(ctx.print.bind(ctx), result, lead);
    return result.ok ? EXIT.ok : EXIT.failed;
  },
};

function printVerification(print: (line?: string) => void, result: LedgerVerification, lead: string | undefined): void {
  const n = (value: number) => value.toLocaleString('en-US');
  const scope = lead === undefined ? 'Ledger' : `Lead ${lead}`;
  const checked = `${n(result.eventsChecked)} events in ${n(result.streamsChecked)} stream${result.streamsChecked === 1 ? '' : 's'}`;
  const link = result.firstBrokenLink;
  if (!link) {
    print(`${scope} intact: ${checked} verified.`);
    return;
  }
  print(`${scope} BROKEN: ${link.message}`);
  print(`  stream    ${link.streamId}`);
  print(`  revision  ${link.revision}`);
  print(`  reason    ${link.reason}`);
  print(`  event     ${link.eventId ?? '(missing)'}`);
  print(`  expected  ${link.expectedHash ?? '-'}`);
  print(`  stored    ${link.storedHash ?? '-'}`);
  print(`Checked ${checked} up to the broken link.`);
}
