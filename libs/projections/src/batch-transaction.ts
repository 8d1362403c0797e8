import type pg from 'pg';
import { LOCK_NOT_AVAILABLE, lockCheckpoint } from './checkpoints.js';

/** The transaction shape every batch of a projection runner uses (projection-runner.ts, bulk-build.ts). */

/** The checkpoint row, locked FOR UPDATE NOWAIT; 'busy' when another transaction holds it. */
export async function lockOrBusy(client: pg.PoolClient, name: string) {
  try {
    return await lockCheckpoint(client, name);
  } catch (error) {
    if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) return 'busy' as const;
    throw error;
  }
}

/**
 * BEGIN, SET LOCAL synchronous_commit = off (then, for a version, `SET LOCAL search_path TO <schema>, public`: the projection's unqualified table
 * names are that version's tables for this transaction only); work decides COMMIT or ROLLBACK; ROLLBACK on any
 * error (rethrown).
 */
export async function inTransaction<T>(client: pg.PoolClient, schema: string | null, work: () => Promise<{ commit: boolean; value: T }>): Promise<T> {
  // synchronous_commit off: a read model is derived data whose checkpoint commits with it, so a server crash
  // can only lose whole recent batches, which are then projected again; no batch waits for its WAL flush.
  await client.query('BEGIN');
  let outcome: { commit: boolean; value: T };
  try {
    await client.query(
      schema === null
        ? 'SET LOCAL synchronous_commit = off'
        : `SET LOCAL synchronous_commit = off; SET LOCAL search_path TO ${client.escapeIdentifier(schema)}, public`,
    );
    outcome = await work();
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined); // a broken connection is destroyed by withClient
    throw error;
  }
  await client.query(outcome.commit ? 'COMMIT' : 'ROLLBACK');
  return outcome.value;
}
