import type pg from 'pg';

/** A quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * BEGIN; `work` says COMMIT or ROLLBACK; ROLLBACK on error (rethrown). A database error (SQLSTATE) leaves the
 * session usable, and so does an error `keepsSession` accepts (a refusal thrown by `work` itself); anything else
 * may not have, so the client is destroyed instead of returned to the pool.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<{ rollback: boolean; value: T }>,
  keepsSession: (error: unknown) => boolean = () => false,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => (broken = error);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    try {
      const outcome = await work(client);
      await client.query(outcome.rollback ? 'ROLLBACK' : 'COMMIT');
      return outcome.value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } catch (error) {
    const sqlState = typeof (error as { code?: unknown } | null)?.code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code);
    if (!sqlState && !keepsSession(error)) broken ??= error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/** Drops a version's (or an isolated build's) tables, then its schema; nothing when the schema is gone already. */
export async function dropSchema(client: pg.PoolClient, schema: string): Promise<void> {
  const exists = await client.query({ text: 'SELECT 1 FROM pg_namespace WHERE nspname = $1', values: [schema] });
  if (exists.rowCount === 0) return;
  const { rows } = await client.query<{ name: string }>({
    text: `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
    values: [schema],
  });
  for (const { name } of rows) await client.query(`DROP TABLE ${ident(schema)}.${ident(name)}`);
  await client.query(`DROP SCHEMA ${ident(schema)}`);
}
