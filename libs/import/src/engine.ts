import { planLead, type LeadPlan, type PlanContext, type StoredLeadEvent } from './lead-plan.js';
import type { MappedRow, RowProblem, SourceEvent } from './source-event.js';

/** A source read twice: once to count each lead's rows (so a lead is complete when its last row is read), then for good. */
export interface ImportSource {
  /** The source's name (preset or mapping): the report names it. */
  name: string;
  /** What the mapping does about the source's known traps (copied into the report). */
  traps: readonly string[];
  /** Pass 1: the lead id of each row (null when it has none, or the mapping leaves the row out). */
  scan(): AsyncIterable<string | null>;
  /** Pass 2: every row, mapped. */
  rows(): AsyncIterable<MappedRow>;
}

export type ImportLead = Extract<LeadPlan, { outcome: 'import' }>;

/** Where the import goes: the store, behind this interface (apps/api implements it; tests may fake it). */
export interface ImportSink<Prepared = unknown> {
  /** The events already stored for each of these leads that has a stream (others are absent from the map). */
  stored(leadIds: readonly string[]): Promise<Map<string, StoredLeadEvent[]>>;
  /** Builds what `write` sends (CPU only): run while the previous batch is being written, so the two overlap. */
  prepare(leads: readonly ImportLead[]): Prepared;
  /** Appends every lead's events in one transaction (all or nothing); where its last event is in the feed. */
  write(prepared: Prepared): Promise<{ last: FeedPoint | null; replayedLeads: readonly string[] }>;
}

/** An event's place in the global feed: (transaction id, global position), decimal strings. */
export interface FeedPoint {
  transactionId: string;
  position: string;
}

/** A lead changed between the check and the append (another writer): the batch is planned again. */
export class LeadMovedError extends Error {
  constructor(readonly leadId: string) {
    super(`lead ${leadId} was written by someone else during the import`);
    this.name = 'LeadMovedError';
  }
}

export interface RejectedLead {
  /** null: rows that name no lead. */
  leadId: string | null;
  rows: number[];
  problems: RowProblem[];
}

export interface ReportNote {
  note: string;
  rows: number;
  /** The first few rows it applies to (to look at them). */
  exampleRows: number[];
}

export interface ImportReport {
  source: string;
  dryRun: boolean;
  interrupted: boolean;
  rows: number;
  leads: { imported: number; skipped: number; rejected: number };
  events: { imported: number; skipped: number };
  /** Rows that name no lead (counted apart from rejected leads). */
  rowsWithoutLead: number;
  rejected: RejectedLead[];
  notes: ReportNote[];
  warnings: string[];
  traps: string[];
  /** Global position of the last event appended (pass it as minPosition to read what was imported). */
  lastPosition: string | null;
  startedAt: string;
  seconds: number;
  eventsPerSecond: number;
}

export interface ImportOptions extends PlanContext {
  dryRun?: boolean;
  /** Events per append (one transaction); default 1,000. */
  batchEvents?: number;
  /** Batches written at the same time (each its own transaction, on its own connection); default 2. */
  writers?: number;
  signal?: AbortSignal;
  onProgress?: (rowsDone: number, rowsTotal: number, eventsImported: number) => void;
}

interface LeadBuffer {
  events: SourceEvent[];
  problems: RowProblem[];
  rows: number;
}

const MAX_EXAMPLE_ROWS = 5;
const MOVED_RETRIES = 3;

/**
 * Runs an import: groups the rows per lead, decides each lead all or nothing (planLead) and appends the
 * accepted leads in batches of about `batchEvents` events, one transaction each. While one batch is being
 * written the next one is read and decided, so the database and the parsing overlap.
 */
export async function runImport(source: ImportSource, sink: ImportSink, options: ImportOptions): Promise<ImportReport> {
  const started = Date.now();
  const batchEvents = options.batchEvents ?? 1000;
  const report: ImportReport = {
    source: source.name,
    dryRun: options.dryRun ?? false,
    interrupted: false,
    rows: 0,
    leads: { imported: 0, skipped: 0, rejected: 0 },
    events: { imported: 0, skipped: 0 },
    rowsWithoutLead: 0,
    rejected: [],
    notes: [],
    warnings: [],
    traps: [...source.traps],
    lastPosition: null,
    startedAt: new Date(started).toISOString(),
    seconds: 0,
    eventsPerSecond: 0,
  };
  const notes = new Map<string, ReportNote>();
  let earliest = Infinity;
  let latest = -Infinity;

  const expected = new Map<string, number>();
  let total = 0;
  for await (const leadId of source.scan()) {
    total++;
    if (leadId !== null) expected.set(leadId, (expected.get(leadId) ?? 0) + 1);
  }

  const buffers = new Map<string, LeadBuffer>();
  let ready: [string, LeadBuffer][] = [];
  let readyEvents = 0;
  // Writer slots: up to `writers` batches are written at once (disjoint leads, so their order does not matter).
  let freeWriters = Math.max(1, options.writers ?? 2);
  const waiting: (() => void)[] = [];
  const acquireWriter = async () => {
    if (freeWriters > 0) freeWriters--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const releaseWriter = () => {
    const next = waiting.shift();
    if (next) next();
    else freeWriters++;
  };
  let last: FeedPoint | null = null;
  const later = (a: FeedPoint, b: FeedPoint) => {
    const [ta, tb] = [BigInt(a.transactionId), BigInt(b.transactionId)];
    return ta !== tb ? ta > tb : BigInt(a.position) > BigInt(b.position);
  };

  const record = (plans: LeadPlan[]) => {
    for (const plan of plans) {
      if (plan.outcome === 'import') {
        report.leads.imported++;
        report.events.imported += plan.events.length;
        for (const { event } of plan.events) {
          earliest = Math.min(earliest, event.occurredAt.getTime());
          latest = Math.max(latest, event.occurredAt.getTime());
        }
      } else if (plan.outcome === 'skip') {
        report.leads.skipped++;
        report.events.skipped += plan.events;
      } else {
        report.leads.rejected++;
        report.rejected.push({ leadId: plan.leadId, rows: plan.rows, problems: plan.problems });
      }
    }
  };

  /** Decides a batch of complete leads against what is stored now. */
  const plan = async (batch: [string, LeadBuffer][]): Promise<LeadPlan[]> => {
    const stored = await sink.stored(batch.map(([leadId]) => leadId));
    return batch.map(([leadId, buffer]) => planLead(leadId, buffer.events, buffer.problems, stored.get(leadId) ?? [], options));
  };

  /** Plans and writes a batch; a lead written meanwhile by someone else makes it plan again (bounded). */
  const flush = async (batch: [string, LeadBuffer][]): Promise<void> => {
    let plans = await plan(batch);
    for (let attempt = 1; ; attempt++) {
      const imports = plans.filter((p): p is ImportLead => p.outcome === 'import');
      const prepared = !report.dryRun && imports.length > 0 ? sink.prepare(imports) : null;
      // Reading, deciding and preparing the next batches overlap with the writes.
      await acquireWriter();
      try {
        if (prepared !== null) {
          const written = await sink.write(prepared);
          // The last event in feed order (transaction id first): a reader that reached it has seen every batch.
          if (written.last !== null && (last === null || later(written.last, last))) {
            last = written.last;
            report.lastPosition = last.position;
          }
          // A replay: the same lead's events were appended by a concurrent import of the same source.
          const replayed = new Set(written.replayedLeads);
          plans = plans.map((p) => (p.outcome === 'import' && replayed.has(p.leadId) ? { outcome: 'skip', leadId: p.leadId, events: p.events.length, rows: p.rows } : p));
        }
        record(plans);
        return;
      } catch (error) {
        if (!(error instanceof LeadMovedError) || attempt > MOVED_RETRIES) throw error;
      } finally {
        releaseWriter();
      }
      plans = await plan(batch);
    }
  };

  let pending: Promise<void>[] = [];
  const dispatch = async () => {
    const batch = ready;
    ready = [];
    readyEvents = 0;
    pending.push(flush(batch));
    // Bounded: the batches being written, one planned and waiting, one being read.
    if (pending.length >= Math.max(1, options.writers ?? 2) + 2) {
      await pending[0];
      pending = pending.slice(1);
    }
  };

  let done = 0;
  for await (const mapped of source.rows()) {
    done++;
    report.rows++;
    for (const note of mapped.notes) {
      const entry = notes.get(note) ?? { note, rows: 0, exampleRows: [] };
      entry.rows++;
      if (entry.exampleRows.length < MAX_EXAMPLE_ROWS) entry.exampleRows.push(mapped.row);
      notes.set(note, entry);
    }
    if (mapped.leadId === null) {
      if (mapped.problems.length > 0) {
        report.rowsWithoutLead++;
        report.rejected.push({ leadId: null, rows: [mapped.row], problems: mapped.problems });
      }
      continue;
    }
    let buffer = buffers.get(mapped.leadId);
    if (!buffer) buffers.set(mapped.leadId, (buffer = { events: [], problems: [], rows: 0 }));
    buffer.events.push(...mapped.events);
    buffer.problems.push(...mapped.problems);
    buffer.rows++;
    if (buffer.rows >= (expected.get(mapped.leadId) ?? Infinity)) {
      buffers.delete(mapped.leadId);
      ready.push([mapped.leadId, buffer]);
      readyEvents += buffer.events.length;
    }
    if (readyEvents >= batchEvents) {
      await dispatch();
      options.onProgress?.(done, total, report.events.imported);
      if (options.signal?.aborted) {
        report.interrupted = true;
        break;
      }
    }
  }
  if (!report.interrupted) {
    // Leads whose row count changed between the passes (the file was being written) are complete now.
    for (const entry of buffers) ready.push(entry);
    buffers.clear();
    while (ready.length > 0) {
      const chunk: [string, LeadBuffer][] = [];
      let events = 0;
      while (ready.length > 0 && (events < batchEvents || chunk.length === 0)) {
        const next = ready.shift()!;
        chunk.push(next);
        events += next[1].events.length;
      }
      pending.push(flush(chunk));
    }
  }
  await Promise.all(pending);
  options.onProgress?.(done, total, report.events.imported);

  report.notes = [...notes.values()].sort((a, b) => b.rows - a.rows || a.note.localeCompare(b.note));
  report.rejected.sort((a, b) => (a.rows[0] ?? 0) - (b.rows[0] ?? 0));
  if (report.events.imported > 1 && earliest === latest) {
    report.warnings.push(
      `every imported event has the same time (${new Date(earliest).toISOString()}): the source looks like a bulk load, not a history; durations (velocity, time to win) computed from it are 0`,
    );
  }
  report.seconds = (Date.now() - started) / 1000;
  report.eventsPerSecond = report.seconds > 0 ? Math.round(report.events.imported / report.seconds) : 0;
  return report;
}
