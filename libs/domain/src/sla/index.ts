// SLA cases (hand-off -> first resolution, due N working days later) and compliance (shared/metrics.md).
export * from './sla-cases.js';
