// The public API of the domain library: plain TypeScript, no framework, no I/O.
export * from './lead/events.js';
export type * from './lead/commands.js';
export * from './lead/state.js';
export * from './lead/evolve.js';
export * from './lead/decide.js';
export * from './lead/upcasting.js';
export * from './lead/lead-id.js';
export * from './shared/errors.js';
export * from './calendar/index.js';
export * from './funnel/index.js';
export * from './metrics/index.js';
export * from './sla/index.js';
