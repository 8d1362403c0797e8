import type { Queryable } from './queryable.js';

/**
 * Transaction ids order the global feed and guard per-stream order (FL002), so they must only grow. A
 * pg_dump restored into a NEW cluster keeps the stored ids but restarts the counter: new events would sort
 * before old ones (subscribers with checkpoints would skip them) and every append to an old stream would be
 * refused as stale. Refuse to start instead, pointing at the runbook (libs/event-store/README.md).
 * pg_snapshot_xmax is the next id to be assigned; reading it takes no id.
 */
export async function assertTransactionIdsAhead(db: Queryable): Promise<void> {
  const { rows } = await db.query<{ newest: string | null; next: string }>({
    text: `SELECT (SELECT e.transaction_id::text FROM events e ORDER BY e.transaction_id DESC LIMIT 1) AS newest,
                  pg_snapshot_xmax(pg_current_snapshot())::text AS next`,
  });
  const { newest, next } = rows[0]!;
  if (newest !== null && BigInt(newest) >= BigInt(next)) {
    throw new Error(
      `The event store holds transaction id ${newest} but this server's next transaction id is ${next}: ` +
        `the data was restored into a new cluster, whose transaction ids restarted. New events would sort before ` +
        `existing ones. Advance the cluster's transaction id epoch before use (runbook: libs/event-store/README.md, ` +
        `"Restoring into a new cluster").`,
    );
  }
}
