import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { ProjectionTransaction } from '../../projections/src/projection.js';

/**
 * COPY FROM STDIN in the caller's transaction: the bulk build's insert-only path. Rows arrive as lines of COPY's
 * text format, built with the field helpers below (a row type writes its own line: no per-field dispatch).
 */
export async function copyLines(tx: ProjectionTransaction, table: string, columns: readonly string[], lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const copy = (tx as pg.ClientBase).query(copyStreams.from(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from([lines.join('')]), copy);
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Text as a COPY field: backslash escapes for the characters the format reserves. */
export function copyText(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIALS, (ch) => ESCAPES[ch]!) : text;
}

/** Null as \N; numbers and ISO instants need no escaping. */
export function copyNullable(value: string | number | null | undefined): string {
  return value === null || value === undefined ? '\\N' : typeof value === 'number' ? String(value) : copyText(value);
}

/** A jsonb field: the value as JSON text (what an INSERT of JSON would store), null as \N. */
export function copyJson(value: unknown): string {
  return value === null || value === undefined ? '\\N' : copyText(JSON.stringify(value));
}
