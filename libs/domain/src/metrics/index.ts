// Pure metric math (shared/metrics.md): percentiles, Wilson intervals, safe ratios.
export * from './percentiles.js';
export * from './wilson.js';
export * from './ratios.js';
