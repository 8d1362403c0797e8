import type { EventStoreMigration } from './migration.js';
import { CreateEventStore1732350000000 } from './1732350000000-CreateEventStore.js';
import { AddMultiStreamAppend1732355000000 } from './1732355000000-AddMultiStreamAppend.js';

export type { EventStoreMigration, MigrationQueryRunner } from './migration.js';
export { CreateEventStore1732350000000 } from './1732350000000-CreateEventStore.js';
export { AddMultiStreamAppend1732355000000 } from './1732355000000-AddMultiStreamAppend.js';

/** Every event store migration, oldest first (the names end in their 13-digit timestamp). */
export const EVENT_STORE_MIGRATIONS: readonly (new () => EventStoreMigration)[] = [
  CreateEventStore1732350000000,
  AddMultiStreamAppend1732355000000,
];
