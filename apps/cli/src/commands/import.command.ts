import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ImportInputError, PRESET_NAMES, isPresetName, presetMapping, type ImportReport } from '../../../../libs/import/src/index.js';
import { ImportService, type FileImportReport } from '../../../api/src/import/import.service.js';
import type { CliCommand } from '../cli-command.js';
import type { CliContext } from '../cli-context.js';
import { CliError, EXIT, UsageError } from '../exit-codes.js';
import { ProgressBar } from '../progress.js';

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);

/**
 * `ledger import <file>`: CRM history into the ledger (README, "Importing history"). Exit 0 when every lead was
 * imported or already present, 1 when some were rejected (the report says which, with rows and reasons), 2 for
 * usage problems (unknown preset, bad mapping, unreadable file or encoding), 130 when interrupted.
 */
export const importCommand: CliCommand = {
  words: ['import'],
  usage: '<file> [--preset NAME | --mapping FILE.json] [--time-zone ZONE] [--encoding NAME] [--undated-at DATE] [--report FILE] [--dry-run] [--json]',
  summary: 'Import history from an NDJSON file of events or a CSV export (presets or a mapping file), each lead all or nothing',
  details: [
    'Options:',
    `  --preset NAME        ${PRESET_NAMES.join(' | ')} (default: ndjson for .ndjson/.jsonl/.json, generic-csv for .csv)`,
    '  --mapping FILE.json  a declarative mapping of your CSV export (README, "Importing history")',
    '  --show-mapping NAME  print a preset\'s mapping as JSON (a starting point for your own) and exit',
    '  --time-zone ZONE     IANA zone for dates without an offset (default UTC)',
    '  --encoding NAME      utf-8 (default), windows-1252, latin1, utf-16le',
    '  --undated-at DATE    place rows that carry no date at all at DATE (else they are rejected)',
    '  --report FILE        where the report goes (default <file>.import-report.json)',
    '  --actor ID           actor id recorded on the events (type import; default <source>:<file name>)',
    '  --dry-run            check and report, write nothing',
    '  --json               print the report as JSON on stdout',
    '',
    'Importing the same file again adds nothing (event ids derive from the source rows); a lead whose rows break a',
    'rule is not imported at all and is listed in the report with its rows, the field and the reason.',
    '',
    'Example:',
    '  ledger import ../shared/data/maven-crm/sales_pipeline.csv --preset maven-crm --undated-at 2016-10-01',
  ].join('\n'),
  options: {
    preset: { type: 'string' },
    mapping: { type: 'string' },
    'show-mapping': { type: 'string' },
    'time-zone': { type: 'string' },
    encoding: { type: 'string' },
    'undated-at': { type: 'string' },
    report: { type: 'string' },
    actor: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'batch-events': { type: 'string' },
  },
  async run(ctx, args) {
    const shown = text(args.values['show-mapping']);
    if (shown !== null) {
      if (!isPresetName(shown) || shown === 'ndjson' || shown === 'generic-csv') {
        throw new UsageError(`--show-mapping takes maven-crm, salesforce-leads or salesforce-opportunity-history (generic-csv is built from a file's header; ndjson needs no mapping)`);
      }
      ctx.printJson(presetMapping(shown, []));
      return EXIT.ok;
    }
    if (args.positionals.length !== 1) throw new UsageError('give exactly one file to import');
    const file = path.resolve(args.positionals[0]!);
    const batchEvents = text(args.values['batch-events']) === null ? undefined : Number(args.values['batch-events']);
    if (batchEvents !== undefined && (!Number.isInteger(batchEvents) || batchEvents < 1 || batchEvents > 50_000)) throw new UsageError('--batch-events takes a whole number from 1 to 50000');

    const service = await ctx.get(ImportService);
    const progress = new ProgressBar({ label: `import ${path.basename(file)}`, unit: 'rows', silent: args.json, stream: ctx.err });
    let report: FileImportReport;
    try {
      report = await service.importFile(file, {
        preset: text(args.values.preset),
        mappingFile: text(args.values.mapping),
        timeZone: text(args.values['time-zone']),
        encoding: text(args.values.encoding),
        undatedAt: text(args.values['undated-at']),
        actorId: text(args.values.actor),
        dryRun: args.values['dry-run'] === true,
        batchEvents,
        signal: ctx.signal,
        onProgress: (done, total) => progress.update(done, total),
      });
    } catch (error) {
      progress.interrupt();
      if (error instanceof ImportInputError) throw new UsageError(error.message);
      throw error;
    }
    progress.finish(report.rows, report.rows);

    const reportFile = await writeReport(ctx, report, text(args.values.report) ?? `${file}.import-report.json`);
    if (args.json) ctx.printJson({ ...report, reportFile });
    else printSummary(ctx, report, reportFile);
    if (report.interrupted) throw new CliError('interrupted: the leads of the batches written so far are imported; import the file again to go on (what is there is skipped)', EXIT.interrupted);
    return report.leads.rejected > 0 || report.rowsWithoutLead > 0 ? EXIT.failed : EXIT.ok;
  },
};

/** Beside the input by default; when that directory is read-only, in the working directory (said on stderr). */
async function writeReport(ctx: CliContext, report: ImportReport, wanted: string): Promise<string> {
  const body = `${JSON.stringify(report, null, 2)}\n`;
  try {
    await writeFile(wanted, body);
    return wanted;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM') throw new CliError(`cannot write the report ${wanted}: ${(error as Error).message}`);
    const fallback = path.resolve(path.basename(wanted));
    await writeFile(fallback, body);
    ctx.warn(`${path.dirname(wanted)} is not writable: report written to ${fallback}`);
    return fallback;
  }
}

function printSummary(ctx: CliContext, report: FileImportReport, reportFile: string): void {
  const n = (value: number) => value.toLocaleString('en-US');
  const verb = report.dryRun ? 'would be imported' : 'imported';
  ctx.print(`${report.file} (${report.source}, ${report.encoding}, dates in ${report.timeZone}): ${n(report.rows)} rows${report.dryRun ? ' (dry run: nothing written)' : ''}`);
  ctx.print(`  leads:  ${n(report.leads.imported)} ${verb}, ${n(report.leads.skipped)} already present (skipped), ${n(report.leads.rejected)} rejected`);
  ctx.print(`  events: ${n(report.events.imported)} ${verb}, ${n(report.events.skipped)} already present; ${n(report.eventsPerSecond)} events/s`);
  if (report.rowsWithoutLead > 0) ctx.print(`  rows naming no lead: ${n(report.rowsWithoutLead)}`);
  if (report.lastPosition !== null) ctx.print(`  last position: ${report.lastPosition} (minPosition for queries)`);
  for (const warning of report.warnings) ctx.print(`  warning: ${warning}`);
  if (report.notes.length > 0) {
    ctx.print('  notes:');
    for (const note of report.notes) ctx.print(`    ${n(note.rows)} rows: ${note.note} (e.g. rows ${note.exampleRows.join(', ')})`);
  }
  if (report.traps.length > 0) {
    ctx.print(`  how the ${report.source} mapping handles known traps:`);
    for (const trap of report.traps) ctx.print(`    - ${trap}`);
  }
  const shown = report.rejected.slice(0, 10);
  if (shown.length > 0) {
    ctx.print('  rejected:');
    for (const lead of shown) {
      for (const problem of lead.problems) ctx.print(`    ${lead.leadId ?? '(no lead)'} row ${problem.row}, ${problem.field}: ${problem.reason}`);
    }
    if (report.rejected.length > shown.length) ctx.print(`    ... ${n(report.rejected.length - shown.length)} more in the report`);
  }
  ctx.print(`  report: ${reportFile}`);
}
