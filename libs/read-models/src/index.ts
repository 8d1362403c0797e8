// Read models projected from the event store (shared/metrics.md): the lead funnel tables and their migrations.
export { LeadFunnelProjection } from './lead-funnel.projection.js';
/** The group of leads without a campaign (or another source key): shared by the aggregates and the queries. */
export { NONE_KEY } from './lead-funnel.aggregates.js';
export { READ_MODEL_MIGRATIONS, ALL_MIGRATIONS, CreateLeadFunnelReadModels1732450000000 } from './migrations/index.js';
