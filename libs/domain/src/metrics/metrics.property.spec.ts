import fc from 'fast-check';
import { durationStats, percentileCont } from './percentiles.js';
import { conversionRate, wilsonInterval } from './wilson.js';

const counts = fc.integer({ min: 1, max: 100_000 }).chain((trials) => fc.tuple(fc.integer({ min: 0, max: trials }), fc.constant(trials)));
const sample = fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 50 });
const fraction = fc.double({ min: 0, max: 1, noNaN: true });

describe('metrics properties', () => {
  it('Wilson: 0 <= low <= rate <= high <= 1', () => {
    fc.assert(
      fc.property(counts, ([successes, trials]) => {
        const r = conversionRate('a', 'b', successes, trials);
        expect(r.rate).not.toBeNull();
        expect(0 <= r.low! && r.low! <= r.rate! && r.rate! <= r.high! && r.high! <= 1).toBe(true);
      }),
    );
  });

  it('Wilson: s/n and (n-s)/n are mirror images', () => {
    fc.assert(
      fc.property(counts, ([s, n]) => {
        const a = wilsonInterval(s, n)!;
        const b = wilsonInterval(n - s, n)!;
        expect(a.low).toBeCloseTo(1 - b.high, 9);
        expect(a.high).toBeCloseTo(1 - b.low, 9);
      }),
    );
  });

  it('percentiles are monotone in p and within [min, max]', () => {
    fc.assert(
      fc.property(sample, fraction, fraction, (values, p, q) => {
        const [lo, hi] = p <= q ? [p, q] : [q, p];
        const a = percentileCont(values, lo)!;
        const b = percentileCont(values, hi)!;
        const min = Math.min(...values);
        const max = Math.max(...values);
        expect(a <= b).toBe(true);
        expect(min <= a && b <= max).toBe(true);
        expect(percentileCont(values, 0)).toBe(min);
        expect(percentileCont(values, 1)).toBe(max);
      }),
    );
  });

  it('percentiles ignore input order', () => {
    fc.assert(
      fc.property(sample, fraction, (values, p) => {
        expect(percentileCont([...values].reverse(), p)).toBe(percentileCont(values, p));
      }),
    );
  });

  it('durationStats: median <= p90, min <= mean <= max, count = length', () => {
    fc.assert(
      fc.property(sample, (values) => {
        const s = durationStats(values);
        expect(s.count).toBe(values.length);
        expect(s.median! <= s.p90!).toBe(true);
        // the mean of finite doubles may drift by rounding; allow a relative epsilon
        const eps = 1e-9 * Math.max(1, ...values.map(Math.abs));
        expect(s.mean! >= Math.min(...values) - eps && s.mean! <= Math.max(...values) + eps).toBe(true);
      }),
    );
  });
});
