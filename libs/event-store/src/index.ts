// The event store library: the port, the PostgreSQL adapter, its schema and the embedded server.
export * from './event-store.port.js';
export { PostgresEventStore, DEFAULT_NOTIFY_CHANNEL, type PostgresEventStoreOptions } from './postgres-event-store.js';
export { PostgresSubscription } from './subscription.js';
export { runMigrations, revertLastMigration, MIGRATIONS_TABLE } from './migrate.js';
export { EVENT_STORE_MIGRATIONS, CreateEventStore1732350000000, AddMultiStreamAppend1732355000000, type EventStoreMigration, type MigrationQueryRunner } from './migrations/index.js';
export { startEmbeddedPostgres, embeddedServerUrl, findFreePort, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres.js';
export { canonicalJson, canonicalEvent, eventHash } from './canonical-json.js';
export { uuidv7 } from './uuid-v7.js';
export { compareCheckpoints } from './rows.js';
export { assertTransactionIdsAhead } from './transaction-horizon.js';
export { DuplicateEventIdError, InvalidAppendError, StaleTransactionOrderError, SQLSTATE } from './errors.js';
export type { BrokenLinkDetail, PostgresVerificationReport } from './verify.js';
/** Advanced: an append inside the caller's own transaction (retry that transaction on StaleTransactionOrderError). */
export { prepareAppend, appendOnce, withStaleOrderRetries, type PreparedAppend } from './append.js';
/** Advanced: a multi-stream append inside the caller's own transaction (same retry rule). */
export { prepareAppendMany, appendManyOnce, appendManySummaryOnce, type PreparedAppendMany, type StreamAppendSummary } from './append-many.js';
export type { Queryable } from './queryable.js';
