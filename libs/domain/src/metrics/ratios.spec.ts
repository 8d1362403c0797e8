import { conversionRatio, leakageRatio, recyclingRatio, safeRatio, stageRatios, stageRatiosByCountAndValue, type ExitTally } from './ratios.js';

const counts: ExitTally = { entered: 20, advanced: 8, recycled: 3, rejected: 4, lost: 1, open: 4 };
const values: ExitTally = { entered: 100_000, advanced: 60_000, recycled: 5_000, rejected: 10_000, lost: 15_000, open: 10_000 };
const empty: ExitTally = { entered: 0, advanced: 0, recycled: 0, rejected: 0, lost: 0, open: 0 };

describe('safe ratios', () => {
  it('safeRatio divides, and is null for a 0 denominator', () => {
    expect(safeRatio(1, 4)).toBe(0.25);
    expect(safeRatio(0, 0)).toBeNull();
    expect(safeRatio(5, 0)).toBeNull();
    expect(() => safeRatio(Number.NaN, 1)).toThrow(RangeError);
  });

  it('by count: conversion 8/20 = 0.4, leakage (4+1)/20 = 0.25, recycling 3/20 = 0.15', () => {
    expect(conversionRatio(counts)).toBe(0.4);
    expect(leakageRatio(counts)).toBe(0.25);
    expect(recyclingRatio(counts)).toBe(0.15);
  });

  it('by value: conversion 60000/100000 = 0.6, leakage 25000/100000 = 0.25, recycling 5000/100000 = 0.05', () => {
    expect(stageRatiosByCountAndValue(counts, values)).toEqual({
      byCount: { conversion: 0.4, leakage: 0.25, recycling: 0.15 },
      byValue: { conversion: 0.6, leakage: 0.25, recycling: 0.05 },
    });
  });

  it('given nothing entered, then every ratio is null (never 0)', () => {
    expect(stageRatios(empty)).toEqual({ conversion: null, leakage: null, recycling: null });
  });
});
