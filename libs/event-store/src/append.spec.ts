import { prepareAppend, withStaleOrderRetries } from './append.js';
import { InvalidAppendError, StaleTransactionOrderError } from './errors.js';
import type { NewEvent } from './event-store.port.js';

const event = (overrides: Partial<NewEvent> = {}): NewEvent => ({
  type: 'LeadCaptured',
  schemaVersion: 1,
  data: { a: 1 },
  metadata: { actor: { type: 'user', id: 'u1' }, correlationId: 'c1', causationId: null },
  occurredAt: new Date('2026-01-01T00:00:00.000Z'),
  ...overrides,
});

describe('prepareAppend', () => {
  it('builds one canonical document per event, with the idempotency key in the metadata', () => {
    const prepared = prepareAppend('lead-1', [event({ eventId: '01900000-0000-7000-8000-0000000000AB' })], { expectedRevision: 3, idempotencyKey: 'k' });
    expect(prepared).toMatchObject({ streamId: 'lead-1', expected: 3, idempotencyKey: 'k' });
    expect(JSON.parse(prepared.documents[0]!)).toEqual({
      data: { a: 1 },
      eventId: '01900000-0000-7000-8000-0000000000ab', // lower-cased, as PostgreSQL prints uuids
      metadata: { actor: { type: 'user', id: 'u1' }, correlationId: 'c1', causationId: null, idempotencyKey: 'k' },
      occurredAt: '2026-01-01T00:00:00.000Z',
      schemaVersion: 1,
      streamId: 'lead-1',
      type: 'LeadCaptured',
    });
  });

  it.each([
    ['an empty stream id', () => prepareAppend('', [event()], { expectedRevision: 'any' }), /stream id/],
    ['no events', () => prepareAppend('s', [], { expectedRevision: 'any' }), /Nothing to append/],
    ['an empty type', () => prepareAppend('s', [event({ type: '' })], { expectedRevision: 'any' }), /type/],
    ['a fractional schema version', () => prepareAppend('s', [event({ schemaVersion: 1.5 })], { expectedRevision: 'any' }), /schemaVersion/],
    ['undefined data', () => prepareAppend('s', [event({ data: undefined })], { expectedRevision: 'any' }), /data/],
    ['an unknown actor type', () => prepareAppend('s', [event({ metadata: { actor: { type: 'robot' as never, id: 'x' }, correlationId: null, causationId: null } })], { expectedRevision: 'any' }), /actor/],
    ['a negative revision', () => prepareAppend('s', [event()], { expectedRevision: -1 }), /expectedRevision/],
    ['an empty idempotency key', () => prepareAppend('s', [event()], { expectedRevision: 'any', idempotencyKey: '' }), /idempotency key/],
  ])('refuses %s', (_, run, message) => {
    expect(run).toThrow(InvalidAppendError);
    expect(run).toThrow(message);
  });
});

describe('withStaleOrderRetries', () => {
  it('retries stale transaction orders and returns the first success', async () => {
    let calls = 0;
    const result = await withStaleOrderRetries(async () => {
      if (++calls < 3) throw new StaleTransactionOrderError('s', new Error('FL002'));
      return 'ok';
    }, 10);
    expect([result, calls]).toEqual(['ok', 3]);
  });

  it('gives up after the configured retries, and never retries other errors', async () => {
    let calls = 0;
    await expect(
      withStaleOrderRetries(async () => {
        calls++;
        throw new StaleTransactionOrderError('s', new Error('FL002'));
      }, 2),
    ).rejects.toThrow('still hit a stale transaction order after 2 retries');
    expect(calls).toBe(3);
    calls = 0;
    await expect(withStaleOrderRetries(async () => (calls++, Promise.reject(new Error('boom'))), 5)).rejects.toThrow('boom');
    expect(calls).toBe(1);
  });
});
