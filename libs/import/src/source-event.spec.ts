import { importEventId } from './source-event.js';

describe('importEventId', () => {
  // Pinned: a re-import recognises what an earlier release imported only if the ids never change.
  it.each([
    ['ndjson', 'lead-1', { a: 1, b: 'é' }, 0, '7906b694-292b-5185-92d7-65b841160c99'],
    ['maven-crm', 'Zürich ☃', { x: [1, 2, { y: null }] }, 3, '6ba3a0af-f09f-5fcf-8873-8596f53fb62f'],
    ['g', '', 'x\ny', 17, 'c00d0b08-1426-543b-ac75-4ad08aa8b30a'],
  ])('given source %s and lead %j, the id is the same as in every release', (source, leadId, content, index, id) => {
    expect(importEventId(source, leadId, content, index)).toBe(id);
  });

  it('does not depend on the order of the row content\'s keys, only on its values', () => {
    expect(importEventId('ndjson', 'l', { a: 1, b: 2 }, 0)).toBe(importEventId('ndjson', 'l', { b: 2, a: 1 }, 0));
    expect(importEventId('ndjson', 'l', { a: 1, b: 2 }, 0)).not.toBe(importEventId('ndjson', 'l', { a: 1, b: 3 }, 0));
    expect(importEventId('ndjson', 'l', { a: 1 }, 0)).not.toBe(importEventId('ndjson', 'l', { a: 1 }, 1));
  });

  it('is a version 5 UUID (RFC 9562 name-based, SHA-1)', () => {
    expect(importEventId('ndjson', 'lead-1', {}, 0)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
