import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import {
  ConcurrencyConflictError,
  uuidv7,
  type Actor,
  appendManySummaryOnce,
  DEFAULT_NOTIFY_CHANNEL,
  prepareAppendMany,
  withStaleOrderRetries,
  type PreparedAppendMany,
  type Queryable,
} from '../../../../libs/event-store/src/index.js';
import {
  checkEncoding,
  checkTimeZone,
  csvFileSource,
  DateParseError,
  ImportInputError,
  isPresetName,
  LeadMovedError,
  MappingError,
  memorySource,
  ndjsonFileSource,
  parseDateTime,
  PRESET_NAMES,
  presetMapping,
  runImport,
  validateMapping,
  type ImportLead,
  type ImportReport,
  type ImportSink,
  type ImportSource,
  type MappingDocument,
  type PresetName,
  type StoredLeadEvent,
} from '../../../../libs/import/src/index.js';
import { EVENT_COLUMNS, toRecordedEvent, type EventRow } from '../../../../libs/event-store/src/rows.js';
import type { AppConfig } from '../config/app-config.js';
import { LedgerStorage } from '../storage/ledger-storage.js';
import { APP_CONFIG } from '../storage/storage.module.js';

export interface ImportFileOptions {
  /** A built-in source; default from the extension (.ndjson/.jsonl: ndjson, .csv: generic-csv). */
  preset?: string | null;
  /** A mapping file (JSON) for a CSV export; excludes preset. */
  mappingFile?: string | null;
  timeZone?: string | null;
  encoding?: string | null;
  /** Date (or date-time) at which rows without any date are placed; without it they are rejected. */
  undatedAt?: string | null;
  dryRun?: boolean;
  actorId?: string | null;
  signal?: AbortSignal;
  onProgress?: (rowsDone: number, rowsTotal: number, eventsImported: number) => void;
  batchEvents?: number;
}

export interface ImportBatchOptions {
  timeZone?: string | null;
  dryRun?: boolean;
  actor: Actor;
  correlationId: string;
}

export interface FileImportReport extends ImportReport {
  file: string;
  timeZone: string;
  encoding: string;
}

/** The largest batch the GraphQL mutation takes; files of any size go through the CLI. */
export const MAX_BATCH_EVENTS = 5_000;

/**
 * Imports history into the ledger, shared by `ledger import` (files) and the importEvents mutation (small
 * batches): the sources and rules are libs/import; this wires them to the event store (multi-stream appends,
 * one transaction per batch) and resolves the options.
 */
@Injectable()
export class ImportService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LedgerStorage) private readonly storage: LedgerStorage,
  ) {}

  /** Opens a file source (reads the header, compiles the mapping): usage problems surface here, before any write. */
  async openFile(file: string, options: ImportFileOptions): Promise<{ source: ImportSource & { mapping?: MappingDocument }; timeZone: string; encoding: string }> {
    const timeZone = this.timeZone(options.timeZone);
    const encoding = checkEncoding(options.encoding ?? 'utf-8');
    let undatedAt: Date | null = null;
    if (options.undatedAt) {
      try {
        undatedAt = new Date(parseDateTime(options.undatedAt, timeZone));
      } catch (error) {
        throw new ImportInputError(`--undated-at: ${(error as Error).message}`);
      }
    }
    if (options.preset && options.mappingFile) throw new ImportInputError('give either a preset or a mapping file, not both');
    const preset = options.preset ?? (options.mappingFile ? null : defaultPreset(file));
    if (preset !== null && !isPresetName(preset)) throw new ImportInputError(`unknown preset ${JSON.stringify(preset)} (one of ${PRESET_NAMES.join(', ')})`);
    const sourceOptions = { timeZone, encoding, undatedAt };
    try {
      if (preset === 'ndjson') return { source: ndjsonFileSource(file, sourceOptions), timeZone, encoding };
      const mapping = preset !== null ? (header: string[]) => presetMapping(preset as Exclude<PresetName, 'ndjson'>, header) : await readMapping(options.mappingFile!);
      return { source: await csvFileSource(file, mapping, sourceOptions), timeZone, encoding };
    } catch (error) {
      if (error instanceof MappingError) throw new ImportInputError(`mapping ${error.message}`);
      throw error;
    }
  }

  async importFile(file: string, options: ImportFileOptions = {}): Promise<FileImportReport> {
    const { source, timeZone, encoding } = await this.openFile(file, options);
    const actor: Actor = { type: 'import', id: options.actorId ?? `${source.name}:${path.basename(file)}` };
    const report = await runImport(source, this.sink(actor, uuidv7()), {
      now: new Date(),
      defaultCurrency: this.config.defaultCurrency,
      dryRun: options.dryRun,
      batchEvents: options.batchEvents,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    return { file, timeZone, encoding, ...report };
  }

  /** A small batch of NDJSON-shaped events (the mutation): item i is reported as row i + 1. */
  async importBatch(items: readonly unknown[], options: ImportBatchOptions): Promise<ImportReport> {
    const timeZone = this.timeZone(options.timeZone);
    return runImport(memorySource(items, timeZone), this.sink(options.actor, options.correlationId), {
      now: new Date(),
      defaultCurrency: this.config.defaultCurrency,
      dryRun: options.dryRun,
    });
  }

  private timeZone(timeZone: string | null | undefined): string {
    try {
      return checkTimeZone(timeZone ?? 'UTC');
    } catch (error) {
      if (error instanceof DateParseError) throw new ImportInputError(`time zone: ${error.message}`);
      throw error;
    }
  }

  private sink(actor: Actor, correlationId: string): ImportSink {
    return storeImportSink(this.storage.pool, actor, correlationId);
  }
}

/**
 * The store behind an import: which leads exist and what they hold (two queries per batch), and multi-stream appends (one
 * transaction per batch, retried like the store's own appends after a stale transaction order). Documents are
 * prepared apart from the write so that the engine prepares the next batch while one is written. Exported for
 * the bench, which drives an import without the Nest application.
 */
export function storeImportSink(pool: Queryable, actor: Actor, correlationId: string): ImportSink<PreparedAppendMany> {
  const metadata = { actor, correlationId, causationId: null };
  return {
    stored: async (leadIds) => {
      const stored = new Map<string, StoredLeadEvent[]>();
      // Most leads of an import are new: one query finds the few that have a stream, only those are read.
      // ...and one more reads all their events (not a query per lead: a re-import finds every lead stored).
      const { rows } = await pool.query<{ stream_id: string }>({ text: 'SELECT stream_id FROM streams WHERE stream_id = ANY ($1::text[])', values: [leadIds] });
      if (rows.length === 0) return stored;
      const { rows: events } = await pool.query<EventRow>({
        text: `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.stream_id = ANY ($1::text[]) ORDER BY e.stream_id, e.revision`,
        values: [rows.map((r) => r.stream_id)],
      });
      for (const row of events) {
        const event = toRecordedEvent(row);
        const list = stored.get(event.streamId);
        if (list) list.push(event);
        else stored.set(event.streamId, [event]);
      }
      return stored;
    },
    prepare: (leads: readonly ImportLead[]) =>
      prepareAppendMany(
        leads.map((lead) => ({
          streamId: lead.leadId,
          events: lead.events.map(({ eventId, event }) => ({ eventId, type: event.type, schemaVersion: event.schemaVersion, data: event.data, occurredAt: event.occurredAt, metadata })),
          options: { expectedRevision: lead.expectedRevision === 0 ? 'no_stream' : lead.expectedRevision, idempotencyKey: lead.idempotencyKey },
        })),
      ),
    write: async (prepared) => {
      try {
        const results = await withStaleOrderRetries(() => appendManySummaryOnce(pool, prepared, DEFAULT_NOTIFY_CHANNEL), STALE_ORDER_RETRIES);
        // One transaction: its events share a transaction id, the highest position is the last in the feed.
        const written = results.filter((r) => !r.idempotentReplay);
        const last = written.reduce<(typeof written)[number] | null>((max, r) => (max === null || BigInt(r.lastPosition) > BigInt(max.lastPosition) ? r : max), null);
        return {
          last: last === null ? null : { transactionId: last.transactionId, position: last.lastPosition },
          replayedLeads: results.filter((r) => r.idempotentReplay).map((r) => r.streamId),
        };
      } catch (error) {
        if (error instanceof ConcurrencyConflictError) throw new LeadMovedError(error.streamId);
        throw error;
      }
    },
  };
}

/** As PostgresEventStore's default. */
const STALE_ORDER_RETRIES = 10;

function defaultPreset(file: string): PresetName {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv') return 'generic-csv';
  return 'ndjson';
}

async function readMapping(file: string): Promise<MappingDocument> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ImportInputError(`cannot read the mapping file ${file}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ImportInputError(`the mapping file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  return validateMapping(json);
}
