import { DataSource } from 'typeorm';
import { EVENT_STORE_MIGRATIONS, type EventStoreMigration } from './migrations/index.js';

/**
 * Applies the schema migrations with TypeORM (one transaction per migration; bookkeeping in
 * `schema_migrations`). Never `synchronize`: the schema only changes through versioned migrations.
 *
 * Two processes may migrate at once (api and worker starting together): a session advisory lock, held on its
 * own connection for the whole run, serializes them, and the second finds nothing left to do.
 */
export const MIGRATIONS_TABLE = 'schema_migrations';
/** pg_advisory_lock key shared by every migration run of this schema ('FLMIGRAT' in ASCII). */
const MIGRATION_LOCK_KEY = '5065358744009392468';

/** The migration classes a run knows; other libraries append theirs (e.g. libs/projections' ALL_MIGRATIONS). */
export type MigrationList = readonly (new () => EventStoreMigration)[];

export async function runMigrations(
  databaseUrl: string,
  log: (msg: string) => void = () => {},
  migrations: MigrationList = EVENT_STORE_MIGRATIONS,
): Promise<string[]> {
  return withMigrationLock(databaseUrl, migrations, async (dataSource) => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) log(`migration ${migration.name}: applied`);
    if (applied.length === 0) log('migrations: schema is up to date');
    return applied.map((migration) => migration.name);
  });
}

/**
 * Reverts the most recently applied migration; returns its name (null when none is applied). `migrations` must
 * contain that migration's class (pass the same list the schema was migrated with).
 */
export async function revertLastMigration(
  databaseUrl: string,
  log: (msg: string) => void = () => {},
  migrations: MigrationList = EVENT_STORE_MIGRATIONS,
): Promise<string | null> {
  return withMigrationLock(databaseUrl, migrations, async (dataSource) => {
    const [last] = (await dataSource.query(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY "timestamp" DESC, id DESC LIMIT 1`)) as {
      name: string;
    }[];
    if (!last) return null;
    await dataSource.undoLastMigration({ transaction: 'each' });
    log(`migration ${last.name}: reverted`);
    return last.name;
  });
}

async function withMigrationLock<T>(databaseUrl: string, migrations: MigrationList, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: databaseUrl,
    migrations: [...migrations],
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    logging: false,
    extra: { max: 2, application_name: 'funnel-ledger-migrate' },
  });
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    try {
      return await work(dataSource);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await lock.release();
    await dataSource.destroy();
  }
}
