import type { Checkpoint, EventBatch } from './event-store.port.js';
import type { Queryable } from './queryable.js';
import { EVENT_COLUMNS, checkpointOfEvent, compareCheckpoints, toRecordedEvent, type EventRow } from './rows.js';

/**
 * Reading the global feed.
 *
 * Sequence values are taken before commit, so a transaction holding position 10 may commit after one holding
 * 11; a reader paging by `global_position > last` would pass 10 and never see it. The guarded reader pages
 * by (transaction_id, global_position) and returns only events of transactions older than the oldest one
 * still running (pg_snapshot_xmin of the statement's snapshot): every such transaction has finished, and
 * every transaction still to commit has a larger id, so nothing can appear behind the checkpoint any more.
 * Per stream the order agrees with revisions thanks to fl_append_events' FL002 guard.
 *
 * `snapshotGuard: false` selects the naive reader (position order, no xmin bound). It exists only so the
 * contract tests can show the events it skips; never use it for real.
 */
export interface FeedReader {
  readBatch(after: Checkpoint, limit: number): Promise<EventBatch | null>;
  /** The newest event a reader can get now (null: none). */
  head(): Promise<Checkpoint | null>;
  /** Whether committed events exist beyond `after` that the guard still holds back (an older transaction runs). */
  hasHeldBackEvents(after: Checkpoint): Promise<boolean>;
  /** The order this reader pages in (the guarded one: transaction id, then position). */
  compare(a: Checkpoint, b: Checkpoint): number;
}

export function feedReader(db: Queryable, snapshotGuard: boolean): FeedReader {
  return snapshotGuard ? guardedFeed(db) : naiveFeed(db);
}

function guardedFeed(db: Queryable): FeedReader {
  return {
    async readBatch(after, limit) {
      const { rows } = await db.query<EventRow>({
        name: 'fl_read_feed',
        text: `SELECT ${EVENT_COLUMNS} FROM events e
                WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
                  AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY e.transaction_id, e.global_position
                LIMIT $3`,
        values: [after.transactionId, after.globalPosition, limit],
      });
      return toBatch(rows);
    },
    async head() {
      const { rows } = await db.query<{ transaction_id: string; global_position: string }>({
        text: `SELECT e.transaction_id::text AS transaction_id, e.global_position::text AS global_position FROM events e
                WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT 1`,
      });
      return rows[0] ? { transactionId: rows[0].transaction_id, globalPosition: rows[0].global_position } : null;
    },
    async hasHeldBackEvents(after) {
      // The next event in feed order, by the feed index: as EXISTS (...), a generic plan scans the whole table.
      const { rows } = await db.query<{ held: boolean }>({
        text: `SELECT EXISTS (SELECT 1 FROM (SELECT 1 FROM events e WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
                                             ORDER BY e.transaction_id, e.global_position LIMIT 1) next) AS held`,
        values: [after.transactionId, after.globalPosition],
      });
      return rows[0]?.held === true;
    },
    compare: compareCheckpoints,
  };
}

function naiveFeed(db: Queryable): FeedReader {
  return {
    async readBatch(after, limit) {
      const { rows } = await db.query<EventRow>({
        name: 'fl_read_feed_unguarded',
        text: `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.global_position > $1::bigint ORDER BY e.global_position LIMIT $2`,
        values: [after.globalPosition, limit],
      });
      return toBatch(rows);
    },
    async head() {
      const { rows } = await db.query<{ transaction_id: string; global_position: string }>({
        text: `SELECT e.transaction_id::text AS transaction_id, e.global_position::text AS global_position FROM events e
                ORDER BY e.global_position DESC LIMIT 1`,
      });
      return rows[0] ? { transactionId: rows[0].transaction_id, globalPosition: rows[0].global_position } : null;
    },
    async hasHeldBackEvents() {
      return false;
    },
    compare: (a, b) => compareCheckpoints({ ...a, transactionId: '0' }, { ...b, transactionId: '0' }),
  };
}

function toBatch(rows: EventRow[]): EventBatch | null {
  const events = rows.map(toRecordedEvent);
  const last = events[events.length - 1];
  return last ? { events, checkpoint: checkpointOfEvent(last) } : null;
}
