import { hash as cryptoHash } from 'node:crypto';
import { canonicalJson } from '../../event-store/src/canonical-json.js';
import type { LeadEventType } from '../../domain/src/index.js';

/** A problem found in the source: the row it comes from, the field (column or event field) and why. */
export interface RowProblem {
  row: number;
  field: string;
  reason: string;
}

/**
 * One funnel event read from a source row (NDJSON line or mapped CSV row), before the lead's rules are
 * applied. `eventId` is derived from the source, so the same row always gives the same id.
 */
export interface SourceEvent {
  leadId: string;
  row: number;
  /** Position of the row in the source (ties of equal dates keep the source order). */
  sequence: number;
  type: LeadEventType;
  occurredAt: Date;
  /** The event's fields as the matching command takes them (decide validates and normalises them). */
  data: Record<string, unknown>;
  eventId: string;
  /** Event field -> source column it was read from, so problems name what the user can fix. */
  fieldSources?: Record<string, string>;
  /** Instead of fieldSources (NDJSON): the fields of `data` came from `<dataPrefix><field>`, e.g. 'data.amount'. */
  dataPrefix?: string;
}

/** What a source row turned into: its events, or why it could not be read. */
export interface MappedRow {
  row: number;
  leadId: string | null;
  events: SourceEvent[];
  problems: RowProblem[];
  /** Counted remarks on the row (an alias applied, an undated row placed...): key -> human text. */
  notes: string[];
}

/** Namespace of import event ids (a UUID v5 namespace: ids are SHA-1 name-based, RFC 9562 section 5.5). */
const NAMESPACE = Buffer.from('6f1c3c52-8a57-4d3e-9d7c-0b7e4a6a1f10'.replace(/-/g, ''), 'hex');

/**
 * The event id of the `index`-th event of a source row: a UUID v5 over the source's name (the mapping or
 * 'ndjson'), the lead and the row's content. Not the file name or the row number: the same fact exported again
 * (another file, rows reordered or added) gives the same id, so it is recognised as already imported.
 */
export function importEventId(source: string, leadId: string, rowContent: unknown, index: number): string {
  // One-shot hashing (no Hash object per event): SHA-1 over the namespace bytes, then the UTF-8 of the name.
  const hash = cryptoHash('sha1', Buffer.concat([NAMESPACE, Buffer.from(`${source}\n${leadId}\n${index}\n${canonicalJson(rowContent)}`, 'utf8')]), 'buffer');
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The idempotency key of one lead's import append: derived from exactly the events it appends. */
export function importIdempotencyKey(eventIds: readonly string[]): string {
  return `import:${cryptoHash('sha256', eventIds.join(','), 'hex').slice(0, 40)}`;
}
