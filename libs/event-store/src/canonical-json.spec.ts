import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { canonicalEvent, canonicalJson, eventHash } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys recursively by UTF-16 code units and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' }, B: true, é: 0, _: null })).toBe(
      '{"B":true,"_":null,"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1,"é":0}',
    );
  });

  it('follows JSON.stringify for what JSON cannot hold', () => {
    expect(canonicalJson({ u: undefined, f: () => 1, n: NaN, i: -Infinity, z: -0, arr: [undefined, () => 1] })).toBe('{"arr":[null,null],"i":null,"n":null,"z":0}');
    expect(canonicalJson({ at: new Date('2026-01-02T03:04:05.006Z') })).toBe('{"at":"2026-01-02T03:04:05.006Z"}');
    expect(canonicalJson('line\nbreak "quoted" \u2028')).toBe(JSON.stringify('line\nbreak "quoted" \u2028'));
    expect(() => canonicalJson({ big: 1n })).toThrow(/BigInt/);
    expect(() => canonicalJson(undefined)).toThrow(/no JSON representation/);
  });

  it('is stable across a JSON round trip (what the verifier relies on)', () => {
    const value = { n: [0.1, 1e21, 1e-7, 123456789012345680000, -5], s: 'Ünïcode 🚀', o: { b: [], a: {} } };
    const text = canonicalJson(value);
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });
});

describe('eventHash', () => {
  it('is sha256 over the previous hash bytes and the UTF-8 canonical text', () => {
    const first = eventHash(null, '{"a":"é"}');
    expect(first).toBe(createHash('sha256').update(Buffer.from('{"a":"é"}', 'utf8')).digest('hex'));
    const second = eventHash(first, '{}');
    expect(second).toBe(createHash('sha256').update(Buffer.concat([Buffer.from(first, 'hex'), Buffer.from('{}')])).digest('hex'));
  });

  it('covers every hashed field of an event', () => {
    const event = {
      eventId: '01900000-0000-7000-8000-000000000000',
      streamId: 's',
      type: 'T',
      schemaVersion: 1,
      data: { a: 1 },
      metadata: { actor: { type: 'user', id: 'u' } },
      occurredAt: new Date('2026-01-01T00:00:00.000Z'),
    };
    expect(canonicalEvent(event)).toBe(
      '{"data":{"a":1},"eventId":"01900000-0000-7000-8000-000000000000","metadata":{"actor":{"id":"u","type":"user"}},"occurredAt":"2026-01-01T00:00:00.000Z","schemaVersion":1,"streamId":"s","type":"T"}',
    );
    const base = eventHash(null, canonicalEvent(event));
    for (const change of [{ data: { a: 2 } }, { type: 'U' }, { schemaVersion: 2 }, { streamId: 't' }, { occurredAt: new Date(1) }, { metadata: {} }]) {
      expect(eventHash(null, canonicalEvent({ ...event, ...change }))).not.toBe(base);
    }
  });
});

describe('canonicalJson against a reference implementation', () => {
  // The obvious implementation: sort keys, then let JSON.stringify write every primitive.
  const reference = (value: unknown): string => {
    const sortKeys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sortKeys)
        : v !== null && typeof v === 'object'
          ? new Map(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]))
          : v;
    const write = (v: unknown): string =>
      v instanceof Map
        ? `{${[...v].map(([k, x]) => `${JSON.stringify(k)}:${write(x)}`).join(',')}}`
        : Array.isArray(v)
          ? `[${v.map(write).join(',')}]`
          : JSON.stringify(v);
    return write(sortKeys(value));
  };

  it('writes the same text for any JSON value, strings with quotes, escapes, control characters and lone surrogates included', () => {
    const text = fc.string({ unit: 'binary' });
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.dictionary(text, text), (value, awkward) => {
        expect(canonicalJson(value)).toBe(reference(value));
        expect(canonicalJson(awkward)).toBe(reference(awkward));
        expect(JSON.parse(canonicalJson(awkward))).toEqual(awkward);
      }),
      { numRuns: 500 },
    );
  });

  it('writes an event exactly as canonicalJson writes its seven hashed fields (the fast path of every append)', () => {
    const text = fc.string({ unit: 'binary' });
    fc.assert(
      fc.property(
        fc.record({
          data: fc.jsonValue({ maxDepth: 3 }),
          eventId: text,
          metadata: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(text, fc.jsonValue({ maxDepth: 1 }))),
          occurredAt: fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
          schemaVersion: fc.integer({ min: 1, max: 2_147_483_647 }),
          streamId: text,
          type: text,
        }),
        (event) => {
          const { data, eventId, metadata, occurredAt, schemaVersion, streamId, type } = event;
          expect(canonicalEvent(event)).toBe(canonicalJson({ data, eventId, metadata, occurredAt: occurredAt.toISOString(), schemaVersion, streamId, type }));
        },
      ),
      { numRuns: 500 },
    );
  });
});
