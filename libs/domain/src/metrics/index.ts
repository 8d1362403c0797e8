// Pure metric math (shared/metrics.md): percentiles, Wilson intervals, safe ratios, the backwards funnel (plan vs actual).
export * from './percentiles.js';
export * from './wilson.js';
export * from './ratios.js';
export * from './plan.js';
