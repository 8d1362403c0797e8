// Funnel definitions and their interpretation of lead events into stage visits (shared/metrics.md).
export * from './definition.js';
export * from './conditions.js';
export * from './validate-definition.js';
export * from './stage-visits.js';
