import { createHash } from 'node:crypto';

/**
 * Deterministic JSON: object keys sorted recursively (UTF-16 code unit order, i.e. JavaScript's default
 * sort), no whitespace, primitives exactly as JSON.stringify writes them, undefined members dropped.
 * It follows JSON.stringify's rules otherwise (toJSON, undefined/functions in arrays become null, NaN and
 * Infinity become null, BigInt throws) so that the text survives a round trip through jsonb: the verifier
 * rebuilds it from the stored columns and must get the very same bytes back.
 */
export function canonicalJson(value: unknown): string {
  const text = write(value);
  if (text === undefined) throw new TypeError('canonicalJson: the value has no JSON representation (undefined or a function)');
  return text;
}

// Hot path of every append: string concatenation, no intermediate arrays, quoted keys cached (events repeat the
// same few dozen keys), and strings without characters JSON escapes written without JSON.stringify.
const QUOTED_KEYS = new Map<string, string>();
const MAX_CACHED_KEYS = 10_000;
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

function quoteKey(key: string): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (QUOTED_KEYS.size < MAX_CACHED_KEYS) QUOTED_KEYS.set(key, quoted);
  }
  return quoted;
}

function write(input: unknown): string | undefined {
  const parts: string[] = [];
  return writeInto(parts, input) ? parts.join('') : undefined;
}

/**
 * Appends the canonical text of `input` to `parts`; false (nothing appended) when it has no JSON form. One
 * join per document instead of a concatenation per token: fewer intermediate strings for the collector.
 */
function writeInto(parts: string[], input: unknown): boolean {
  switch (typeof input) {
    case 'string':
      parts.push(quote(input));
      return true;
    case 'number':
      parts.push(Number.isFinite(input) ? String(input) : 'null');
      return true;
    case 'boolean':
      parts.push(input ? 'true' : 'false');
      return true;
    case 'bigint':
      throw new TypeError('canonicalJson: BigInt has no JSON representation (store it as a decimal string)');
    case 'undefined':
    case 'function':
    case 'symbol':
      return false;
  }
  if (input === null) {
    parts.push('null');
    return true;
  }
  if (typeof (input as { toJSON?: unknown }).toJSON === 'function') return writeInto(parts, (input as { toJSON(): unknown }).toJSON());
  if (Array.isArray(input)) {
    parts.push('[');
    for (let i = 0; i < input.length; i++) {
      if (i > 0) parts.push(',');
      if (!writeInto(parts, input[i])) parts.push('null');
    }
    parts.push(']');
    return true;
  }
  const keys = Object.keys(input as object);
  if (keys.length > 1) sortKeys(keys);
  parts.push('{');
  let first = true;
  for (const key of keys) {
    const value = (input as Record<string, unknown>)[key];
    const mark = parts.length;
    parts.push(first ? quoteKey(key) : ',' + quoteKey(key), ':');
    if (writeInto(parts, value)) first = false;
    else parts.length = mark; // undefined members are left out
  }
  parts.push('}');
  return true;
}

/**
 * Sorts keys in place in UTF-16 code unit order (what Array.prototype.sort does with no comparator: `<` on
 * strings compares code units). Insertion sort, because objects here have a handful of keys and V8's sort
 * allocates about a kilobyte of work state per call: at import rates that alone was a quarter of all
 * allocation, and the garbage collector's time with it.
 */
function sortKeys(keys: string[]): void {
  if (keys.length > 32) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
}

/** The fields of an event covered by its hash (revision and positions are covered by the chain order). */
export interface HashedEventFields {
  eventId: string;
  streamId: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: unknown;
  occurredAt: Date;
}

/** The canonical document of an event, as hashed by fl_append_events and recomputed by the verifier. */
export function canonicalEvent(event: HashedEventFields, metadataText?: string): string {
  const { data, eventId, metadata, occurredAt, schemaVersion, streamId, type } = event;
  // canonicalJson of the object below, written without building it and sorting its keys (they are fixed and
  // already in order): every append pays this. Anything unusual takes the general path.
  if (typeof eventId === 'string' && typeof streamId === 'string' && typeof type === 'string' && typeof schemaVersion === 'number') {
    const parts: string[] = ['{"data":'];
    if (writeInto(parts, data)) {
      parts.push(',"eventId":', quote(eventId), ',"metadata":');
      // metadataText: canonicalJson(metadata), already written by the caller for events sharing it.
      if (metadataText !== undefined ? (parts.push(metadataText), true) : writeInto(parts, metadata)) {
        parts.push(',"occurredAt":"', occurredAt.toISOString(), '","schemaVersion":');
        writeInto(parts, schemaVersion);
        parts.push(',"streamId":', quote(streamId), ',"type":', quote(type), '}');
        return parts.join('');
      }
    }
  }
  return canonicalJson({ data, eventId, metadata, occurredAt: occurredAt.toISOString(), schemaVersion, streamId, type });
}

/** sha256(previous hash || UTF-8 of the canonical text), hex; the first event of a stream has no previous hash. */
export function eventHash(previousHashHex: string | null, canonical: string): string {
  return createHash('sha256')
    .update(Buffer.from(previousHashHex ?? '', 'hex'))
    .update(canonical, 'utf8')
    .digest('hex');
}
