import { conversionRate, wilsonInterval, WILSON_Z_95 } from './wilson.js';

// Hand arithmetic with z = 1.959964, z^2 = 3.841459:
//   centre = (p + z^2/2n) / (1 + z^2/n), half = z * sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n)
describe('wilsonInterval', () => {
  it('given 5/10, then [0.2366, 0.7634]', () => {
    // denom 1.3841459; centre (0.5 + 0.1920730)/1.3841459 = 0.5;
    // half 1.959964 * sqrt(0.025 + 0.0096036) / 1.3841459 = 0.364593/1.3841459 = 0.263407
    const i = wilsonInterval(5, 10)!;
    expect(i.low).toBeCloseTo(0.2366, 4);
    expect(i.high).toBeCloseTo(0.7634, 4);
  });

  it('given 0/10, then [0, 0.2775]', () => {
    // centre 0.1920730/1.3841459 = 0.138766 = half (sqrt(0.0096036) = 0.0979980 * z = 0.192073) -> low 0
    // high = 0.384146 / 1.3841459 = 0.2775
    expect(wilsonInterval(0, 10)).toEqual({ low: 0, high: expect.closeTo(0.2775, 4) });
  });

  it('given 10/10, then [0.7225, 1] (mirror of 0/10, upper bound exactly 1)', () => {
    expect(wilsonInterval(10, 10)).toEqual({ low: expect.closeTo(0.7225, 4), high: 1 });
  });

  it('given 1/1, then [0.2065, 1]', () => {
    // denom 1 + 3.841459 = 4.841459; centre (1 + 1.920730)/4.841459 = 0.603274;
    // half z * sqrt(0 + 3.841459/4) / 4.841459 = 1.959964*0.979982/4.841459 = 0.396726 -> low 0.206549
    expect(wilsonInterval(1, 1)).toEqual({ low: expect.closeTo(0.2065, 4), high: 1 });
  });

  it('given 0 trials, then no interval', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('given a wider z, then a wider interval', () => {
    const narrow = wilsonInterval(5, 10, 1)!;
    const wide = wilsonInterval(5, 10, WILSON_Z_95)!;
    expect(narrow.low).toBeGreaterThan(wide.low);
    expect(narrow.high).toBeLessThan(wide.high);
  });

  it('given invalid counts, then RangeError', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 10)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 10)).toThrow(RangeError);
    expect(() => wilsonInterval(0, -1)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 2, 0)).toThrow(RangeError);
  });
});

describe('conversionRate', () => {
  it('given 5 of 10 from mql to handed_off, then rate 0.5 with its interval', () => {
    const r = conversionRate('mql', 'handed_off', 5, 10);
    expect(r).toEqual({ from: 'mql', to: 'handed_off', rate: 0.5, low: expect.closeTo(0.2366, 4), high: expect.closeTo(0.7634, 4) });
  });

  it('given 0 trials, then rate, low and high are null', () => {
    expect(conversionRate('sal', 'won', 0, 0)).toEqual({ from: 'sal', to: 'won', rate: null, low: null, high: null });
  });
});
