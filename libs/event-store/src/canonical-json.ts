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

function write(input: unknown): string | undefined {
  const value = hasToJson(input) ? input.toJSON() : input;
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError('canonicalJson: BigInt has no JSON representation (store it as a decimal string)');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (Array.isArray(value)) return `[${value.map((item) => write(item) ?? 'null').join(',')}]`;
  const members: string[] = [];
  for (const key of Object.keys(value as object).sort()) {
    const member = write((value as Record<string, unknown>)[key]);
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
  }
  return `{${members.join(',')}}`;
}

function hasToJson(value: unknown): value is { toJSON(): unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function';
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
export function canonicalEvent(event: HashedEventFields): string {
  return canonicalJson({
    data: event.data,
    eventId: event.eventId,
    metadata: event.metadata,
    occurredAt: event.occurredAt.toISOString(),
    schemaVersion: event.schemaVersion,
    streamId: event.streamId,
    type: event.type,
  });
}

/** sha256(previous hash || UTF-8 of the canonical text), hex; the first event of a stream has no previous hash. */
export function eventHash(previousHashHex: string | null, canonical: string): string {
  return createHash('sha256')
    .update(Buffer.from(previousHashHex ?? '', 'hex'))
    .update(canonical, 'utf8')
    .digest('hex');
}
