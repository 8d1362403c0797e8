import { EVENT_STORE_MIGRATIONS, type EventStoreMigration } from '../../../event-store/src/migrations/index.js';
import { CreateProjectionCheckpoints1732400000000 } from './1732400000000-CreateProjectionCheckpoints.js';
import { CreateProjectionVersions1732410000000 } from './1732410000000-CreateProjectionVersions.js';
import { AddBulkBuildCursor1732490000000 } from './1732490000000-AddBulkBuildCursor.js';

export { CreateProjectionCheckpoints1732400000000 } from './1732400000000-CreateProjectionCheckpoints.js';
export { CreateProjectionVersions1732410000000 } from './1732410000000-CreateProjectionVersions.js';
export { AddBulkBuildCursor1732490000000 } from './1732490000000-AddBulkBuildCursor.js';

/** The projections library's migrations, oldest first. */
export const PROJECTION_MIGRATIONS: readonly (new () => EventStoreMigration)[] = [
  CreateProjectionCheckpoints1732400000000,
  CreateProjectionVersions1732410000000,
  AddBulkBuildCursor1732490000000,
];

/**
 * Event store + projections, in timestamp order: pass it to runMigrations / revertLastMigration wherever the
 * projections run (a schema migrated with a shorter list cannot revert the migrations it does not know).
 */
export const ALL_MIGRATIONS: readonly (new () => EventStoreMigration)[] = [...EVENT_STORE_MIGRATIONS, ...PROJECTION_MIGRATIONS];
