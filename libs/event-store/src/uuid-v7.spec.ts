import { uuidv7 } from './uuid-v7.js';

describe('uuidv7', () => {
  it('has the RFC 9562 version 7 layout with the millisecond timestamp first', () => {
    const now = Date.UTC(2026, 10, 23, 12, 0, 0, 123);
    const id = uuidv7(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  });

  it('increases strictly within a millisecond, across counter overflow and when the clock steps back', () => {
    const ids = [...Array.from({ length: 5000 }, () => uuidv7(Date.UTC(2030, 0, 1))), uuidv7(Date.UTC(2029, 0, 1))];
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
