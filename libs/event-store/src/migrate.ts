import pg from 'pg';
import { EVENT_STORE_MIGRATIONS, type EventStoreMigration } from './migrations/index.js';

/**
 * Applies the event store migrations. TypeORM is not installed in this repository (package.json does not
 * list it), so this is a small runner that keeps TypeORM's bookkeeping: the table `schema_migrations(id,
 * timestamp, name)` with the same columns TypeORM's MigrationExecutor creates, one transaction per migration
 * (TypeORM's transaction: 'each'), and migration classes shaped like TypeORM's MigrationInterface. A TypeORM
 * DataSource given the same classes and migrationsTableName later sees them as already applied.
 *
 * Two processes may migrate at once (api and worker starting together): a session advisory lock serializes
 * them, and the second finds nothing left to do.
 */
export const MIGRATIONS_TABLE = 'schema_migrations';
/** pg_advisory_lock key shared by every migration run of this schema ('FLMIGRAT' in ASCII). */
const MIGRATION_LOCK_KEY = '5065358744009392468';

export async function runMigrations(databaseUrl: string, log: (msg: string) => void = () => {}): Promise<string[]> {
  return withMigrationLock(databaseUrl, async (client) => {
    const applied = await appliedMigrations(client);
    const done: string[] = [];
    for (const Migration of EVENT_STORE_MIGRATIONS) {
      const migration = new Migration();
      if (applied.has(migration.name)) continue;
      log(`migration ${migration.name}: applying`);
      await inTransaction(client, migration, async () => {
        await migration.up(client);
        await client.query(`INSERT INTO ${MIGRATIONS_TABLE} ("timestamp", name) VALUES ($1, $2)`, [
          migrationTimestamp(migration),
          migration.name,
        ]);
      });
      log(`migration ${migration.name}: applied`);
      done.push(migration.name);
    }
    if (done.length === 0) log('migrations: schema is up to date');
    return done;
  });
}

/** Reverts the most recently applied event store migration; returns its name (null when none is applied). */
export async function revertLastMigration(databaseUrl: string, log: (msg: string) => void = () => {}): Promise<string | null> {
  return withMigrationLock(databaseUrl, async (client) => {
    const { rows } = await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY "timestamp" DESC, id DESC`);
    const known = new Map(EVENT_STORE_MIGRATIONS.map((M) => new M()).map((m) => [m.name, m]));
    const last = rows.map((r) => known.get(r.name)).find((m) => m !== undefined);
    if (!last) return null;
    log(`migration ${last.name}: reverting`);
    await inTransaction(client, last, async () => {
      await last.down(client);
      await client.query(`DELETE FROM ${MIGRATIONS_TABLE} WHERE name = $1`, [last.name]);
    });
    log(`migration ${last.name}: reverted`);
    return last.name;
  });
}

async function withMigrationLock<T>(databaseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'funnel-ledger-migrate' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
        id serial PRIMARY KEY, "timestamp" bigint NOT NULL, name character varying NOT NULL)`);
      return await work(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

async function appliedMigrations(client: pg.Client): Promise<Set<string>> {
  const { rows } = await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`);
  return new Set(rows.map((r) => r.name));
}

async function inTransaction(client: pg.Client, migration: EventStoreMigration, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
  }
}

/** TypeORM reads a migration's timestamp from the last 13 digits of its name. */
function migrationTimestamp(migration: EventStoreMigration): number {
  const match = /(\d{13})$/.exec(migration.name);
  if (!match) throw new Error(`migration ${migration.name}: the name must end in a 13-digit timestamp`);
  return Number(match[1]);
}
