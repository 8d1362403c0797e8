import type pg from 'pg';
import type { Queryable } from '../../event-store/src/queryable.js';
import { ident } from './sql.js';

/**
 * Tables of a new version (a blue/green rebuild, or any isolated build) shaped like the live ones, with their
 * secondary indexes deferred.
 *
 * A build writes every row of every table, most of them several times (a lead's summary changes at each
 * step). Each secondary index makes every such write dearer, and an update that changes an indexed column
 * (the stage, the owner) cannot be a HOT update. So a build starts with what its upserts need (primary keys,
 * unique constraints and unique indexes, i.e. the ON CONFLICT targets) and creates the other indexes once,
 * sorted, when it has caught up and before readers switch to it (`completeVersionTables`). The template stays
 * the live version's tables, so migrations remain the only source of columns, defaults and indexes.
 */

/** Creates `toSchema`.<table> LIKE `fromSchema`.<table> for each table: columns, defaults, constraints, identity, storage, comments; unique keys only. */
export async function createVersionTables(db: Queryable, fromSchema: string, toSchema: string, tables: readonly string[]): Promise<void> {
  for (const table of tables) {
    await db.query({ text: `CREATE TABLE ${ident(toSchema)}.${ident(table)} (LIKE ${ident(fromSchema)}.${ident(table)} INCLUDING ALL EXCLUDING INDEXES)` });
    for (const constraint of await keyConstraints(db, fromSchema, table)) {
      await db.query({ text: `ALTER TABLE ${ident(toSchema)}.${ident(table)} ADD CONSTRAINT ${ident(constraint.name)} ${constraint.definition}` });
    }
    for (const index of await indexesOf(db, fromSchema, table)) {
      if (index.unique && !index.constraint) await db.query({ text: retarget(index.definition, fromSchema, toSchema) });
    }
  }
}

/** Indexes of `fromSchema`'s tables that `toSchema`'s same-named tables lack (by index name). */
export async function missingIndexes(db: Queryable, fromSchema: string, toSchema: string): Promise<IndexDefinition[]> {
  const [wanted, present] = await Promise.all([allIndexes(db, fromSchema), allIndexes(db, toSchema)]);
  const have = new Set(present.map((i) => i.name));
  return wanted.filter((i) => !have.has(i.name));
}

/**
 * Creates the indexes `toSchema` still lacks (each one sorted in a single pass), then refreshes the planner's
 * statistics of its tables (and vacuums them with `vacuum`, which cannot run in a transaction), so the first
 * queries after the swap are planned on real numbers. Idempotent: a
 * crash midway leaves some indexes built, and the next call builds the rest. Returns the names it created.
 */
export async function completeVersionTables(
  db: Queryable,
  fromSchema: string,
  toSchema: string,
  options: { maintenanceWorkMem?: string; helpers?: readonly Queryable[]; vacuum?: boolean } = {},
): Promise<string[]> {
  const missing = await missingIndexes(db, fromSchema, toSchema);
  if (missing.length === 0) return [];
  // `helpers`: more connections, so the index builds (each a sort on one backend) run side by side.
  const connections = [db, ...(options.helpers ?? [])];
  const memory = options.maintenanceWorkMem?.replace(/[^0-9A-Za-z]/g, '');
  // A session setting on the callers' clients: bigger sorts build indexes in fewer passes. Reset after.
  if (memory) await Promise.all(connections.map((c) => c.query({ text: `SET maintenance_work_mem = '${memory}'` })));
  try {
    await drain(connections, missing, (c, index) =>
      c.query({ text: retarget(index.definition, fromSchema, toSchema).replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS ') }),
    );
    // A table the live version keeps in an index's order (ALTER TABLE ... CLUSTER ON) is rewritten in that order: a
    // build writes rows stream by stream, so e.g. the SLA cases of one month would lie on as many pages as there are
    // cases, and a report's range scan would visit each. Only when vacuuming (a finished build, outside the swap's
    // transaction); the order speeds reads up and changes no row, so a crash before it costs nothing but speed.
    if (options.vacuum) {
      for (const index of missing.filter((i) => i.clustered)) {
        await db.query({ text: `CLUSTER ${ident(toSchema)}.${ident(index.table)} USING ${ident(index.name)}` });
      }
    }
    const { rows } = await db.query<{ name: string }>({
      text: `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`,
      values: [toSchema],
    });
    // VACUUM too when allowed (outside a transaction): a build upserts its aggregate rows many times (half their
    // versions are dead when it ends, and the first reports after the swap paid for them: waterfall p95 89 -> 55 ms
    // at 1M leads), and the visibility map it sets lets index-only scans skip the heap.
    const analyze = options.vacuum ? 'VACUUM (ANALYZE)' : 'ANALYZE';
    await drain(connections, rows, (c, { name }) => c.query({ text: `${analyze} ${ident(toSchema)}.${ident(name)}` }));
  } finally {
    if (memory) await Promise.all(connections.map((c) => c.query({ text: 'RESET maintenance_work_mem' }).catch(() => undefined)));
  }
  return missing.map((i) => i.name);
}

/**
 * completeVersionTables for a finished build (a rebuild's version, an isolated build), outside any transaction, on
 * two pooled connections (two index sorts at once), vacuuming as well. The clients go back to the pool, or are
 * destroyed after an error (their session may be broken).
 */
export async function completeBuildTables(pool: pg.Pool, fromSchema: string, toSchema: string): Promise<string[]> {
  const client = await pool.connect();
  const helper = await pool.connect().catch(() => null);
  let failure: Error | undefined;
  try {
    return await completeVersionTables(client, fromSchema, toSchema, { maintenanceWorkMem: '256MB', helpers: helper ? [helper] : [], vacuum: true });
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(failure);
    helper?.release(failure);
  }
}

/** Runs `work` for every item, each connection taking the next item when it is free. */
async function drain<T>(connections: readonly Queryable[], items: readonly T[], work: (connection: Queryable, item: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    connections.map(async (connection) => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(connection, item);
    }),
  );
}

export interface IndexDefinition {
  name: string;
  table: string;
  /** pg_get_indexdef: CREATE [UNIQUE] INDEX name ON schema.table USING ... */
  definition: string;
  unique: boolean;
  /** The index backs a primary key or unique constraint (created with the constraint). */
  constraint: boolean;
  /** The table is kept in this index's order (ALTER TABLE ... CLUSTER ON). */
  clustered: boolean;
}

async function allIndexes(db: Queryable, schema: string): Promise<IndexDefinition[]> {
  return indexesOf(db, schema, null);
}

async function indexesOf(db: Queryable, schema: string, table: string | null): Promise<IndexDefinition[]> {
  const { rows } = await db.query<IndexDefinition>({
    text: `SELECT ic.relname AS name, tc.relname AS "table", pg_get_indexdef(i.indexrelid) AS definition, i.indisunique AS "unique", i.indisclustered AS clustered,
                  EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u')) AS "constraint"
             FROM pg_index i
             JOIN pg_class ic ON ic.oid = i.indexrelid
             JOIN pg_class tc ON tc.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = tc.relnamespace
            WHERE n.nspname = $1 AND ($2::text IS NULL OR tc.relname = $2)
            ORDER BY tc.relname, ic.relname`,
    values: [schema, table],
  });
  return rows;
}

async function keyConstraints(db: Queryable, schema: string, table: string): Promise<{ name: string; definition: string }[]> {
  const { rows } = await db.query<{ name: string; definition: string }>({
    text: `SELECT k.conname AS name, pg_get_constraintdef(k.oid) AS definition
             FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2 AND k.contype IN ('p', 'u')
            ORDER BY k.contype, k.conname`,
    values: [schema, table],
  });
  return rows;
}

/** The index definition on the same-named table of `toSchema` (schema names are plain [a-z0-9_] identifiers). */
function retarget(definition: string, fromSchema: string, toSchema: string): string {
  const on = ` ON ${fromSchema}.`;
  const at = definition.indexOf(on);
  if (at < 0) throw new Error(`cannot retarget index definition to ${toSchema}: ${definition}`);
  return `${definition.slice(0, at)} ON ${toSchema}.${definition.slice(at + on.length)}`;
}

