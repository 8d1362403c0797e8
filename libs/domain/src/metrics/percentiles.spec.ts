import { arithmeticMean, durationStats, percentileCont } from './percentiles.js';

describe('percentileCont (PostgreSQL percentile_cont / pandas quantile)', () => {
  it('given [1,2,3,4] at 0.5, then 2.5 (position 0.5*3 = 1.5 -> 2 + (3-2)*0.5)', () => {
    expect(percentileCont([1, 2, 3, 4], 0.5)).toBe(2.5);
  });

  it('given [1,2,3,4] at 0.9, then 3.7 (position 0.9*3 = 2.7 -> 3 + (4-3)*0.7)', () => {
    expect(percentileCont([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7, 12);
  });

  it('given [1,2,3,4] at 0 and 1, then the min and the max', () => {
    expect(percentileCont([1, 2, 3, 4], 0)).toBe(1);
    expect(percentileCont([1, 2, 3, 4], 1)).toBe(4);
  });

  it('given an odd count, then the median is the middle value', () => {
    // [10, 20, 30]: position 0.5*2 = 1 -> 20
    expect(percentileCont([10, 20, 30], 0.5)).toBe(20);
  });

  it('given a single value, then every percentile is that value', () => {
    for (const p of [0, 0.1, 0.5, 0.9, 1]) expect(percentileCont([42], p)).toBe(42);
  });

  it('given unsorted input, then it sorts numerically and leaves the input untouched', () => {
    const input = [4, 1, 10, 3, 2];
    // sorted [1,2,3,4,10]: p90 position 0.9*4 = 3.6 -> 4 + (10-4)*0.6 = 7.6; median position 2 -> 3
    expect(percentileCont(input, 0.9)).toBeCloseTo(7.6, 12);
    expect(percentileCont(input, 0.5)).toBe(3);
    expect(input).toEqual([4, 1, 10, 3, 2]);
  });

  it('given durations in seconds, then the quarter percentile interpolates (pandas reference)', () => {
    // pandas.Series([3600, 7200, 86400, 90000]).quantile(0.25) = 6300.0: position 0.75 -> 3600 + 3600*0.75
    expect(percentileCont([86400, 3600, 90000, 7200], 0.25)).toBe(6300);
  });

  it('given an empty set, then null (never 0)', () => {
    expect(percentileCont([], 0.5)).toBeNull();
  });

  it('given p outside [0,1] or NaN values, then RangeError', () => {
    expect(() => percentileCont([1], 1.5)).toThrow(RangeError);
    expect(() => percentileCont([1], -0.1)).toThrow(RangeError);
    expect(() => percentileCont([1], Number.NaN)).toThrow(RangeError);
    expect(() => percentileCont([1, Number.NaN], 0.5)).toThrow(RangeError);
  });
});

describe('durationStats', () => {
  it('given [1,2,3,4], then count 4, median 2.5, mean 2.5 (10/4), p90 3.7', () => {
    const stats = durationStats([4, 2, 3, 1]);
    expect(stats.count).toBe(4);
    expect(stats.median).toBe(2.5);
    expect(stats.mean).toBe(2.5);
    expect(stats.p90).toBeCloseTo(3.7, 12);
  });

  it('given one day and three days in seconds, then median = mean = two days', () => {
    // (86400 + 259200) / 2 = 172800; p90 position 0.9 -> 86400 + 172800*0.9 = 241920
    expect(durationStats([86400, 259200])).toEqual({ count: 2, median: 172800, mean: 172800, p90: 241920 });
  });

  it('given no values, then count 0 and null statistics', () => {
    expect(durationStats([])).toEqual({ count: 0, median: null, mean: null, p90: null });
  });

  it('arithmeticMean is null for an empty set', () => {
    expect(arithmeticMean([])).toBeNull();
    expect(arithmeticMean([1, 2, 6])).toBe(3);
  });
});
