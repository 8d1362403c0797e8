import type { EventStoreMigration } from '../../../event-store/src/migrations/index.js';
import { ALL_MIGRATIONS as PROJECTIONS_ALL_MIGRATIONS } from '../../../projections/src/migrations/index.js';
import { CreateLeadFunnelReadModels1732450000000 } from './1732450000000-CreateLeadFunnelReadModels.js';
import { AddLeadFunnelAggregates1732460000000 } from './1732460000000-AddLeadFunnelAggregates.js';
import { VersionLeadFunnelReadModels1732470000000 } from './1732470000000-VersionLeadFunnelReadModels.js';
import { CreateIsolatedBuilds1732487000000 } from './1732487000000-CreateIsolatedBuilds.js';
import { KeepSlaCasesInHandOffOrder1732495000000 } from './1732495000000-KeepSlaCasesInHandOffOrder.js';

export { CreateLeadFunnelReadModels1732450000000 } from './1732450000000-CreateLeadFunnelReadModels.js';
export { AddLeadFunnelAggregates1732460000000 } from './1732460000000-AddLeadFunnelAggregates.js';
export { VersionLeadFunnelReadModels1732470000000 } from './1732470000000-VersionLeadFunnelReadModels.js';
export { CreateIsolatedBuilds1732487000000 } from './1732487000000-CreateIsolatedBuilds.js';
export { KeepSlaCasesInHandOffOrder1732495000000 } from './1732495000000-KeepSlaCasesInHandOffOrder.js';

/** The read models' migrations, oldest first. */
export const READ_MODEL_MIGRATIONS: readonly (new () => EventStoreMigration)[] = [
  CreateLeadFunnelReadModels1732450000000,
  AddLeadFunnelAggregates1732460000000,
  VersionLeadFunnelReadModels1732470000000,
  CreateIsolatedBuilds1732487000000,
  KeepSlaCasesInHandOffOrder1732495000000,
];

/** Event store + projections + read models, in timestamp order (migrate and revert with this list). */
export const ALL_MIGRATIONS: readonly (new () => EventStoreMigration)[] = [...PROJECTIONS_ALL_MIGRATIONS, ...READ_MODEL_MIGRATIONS].sort(
  (a, b) => migrationTimestamp(a) - migrationTimestamp(b),
);

/** The timestamp that ends a migration class's name (the libraries' lists interleave in time). */
function migrationTimestamp(migration: new () => EventStoreMigration): number {
  const stamp = /(\d{13})$/.exec(migration.name)?.[1];
  if (!stamp) throw new Error(`migration ${migration.name}: its name must end with a 13-digit timestamp`);
  return Number(stamp);
}
