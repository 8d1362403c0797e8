import pg from 'pg';
import { appendOnce, prepareAppend, withStaleOrderRetries } from './append.js';
import { appendManyOnce, prepareAppendMany } from './append-many.js';
import {
  START_OF_FEED,
  type AppendOptions,
  type AppendResult,
  type Checkpoint,
  type EventBatch,
  type EventStore,
  type NewEvent,
  type ReadAllOptions,
  type RecordedEvent,
  type StreamAppend,
  type SubscriptionOptions,
} from './event-store.port.js';
import { feedReader, type FeedReader } from './feed.js';
import { EVENT_COLUMNS, assertCheckpoint, assertDecimal, toRecordedEvent, type EventRow } from './rows.js';
import { PostgresSubscription } from './subscription.js';
import { assertTransactionIdsAhead } from './transaction-horizon.js';
import { verifyChains, type PostgresVerificationReport } from './verify.js';

export interface PostgresEventStoreOptions {
  /** LISTEN/NOTIFY channel woken on every append (default 'fl_events'). */
  notifyChannel?: string;
  /**
   * Read the feed below the oldest running transaction (default true). false selects the naive
   * `global_position > last` reader that skips events committed late; it exists ONLY so the contract tests
   * can demonstrate that bug.
   */
  snapshotGuard?: boolean;
  /** How often an append is retried after a stale transaction order (FL002); default 10. */
  appendRetries?: number;
  /** Where background problems go (subscription reconnects, idle pool errors); default console.warn. */
  log?: (message: string, error?: unknown) => void;
}

export const DEFAULT_NOTIFY_CHANNEL = 'fl_events';

/** The EventStore port on PostgreSQL (system or embedded), schema from runMigrations. */
export class PostgresEventStore implements EventStore {
  private readonly notifyChannel: string;
  private readonly appendRetries: number;
  private readonly feed: FeedReader;
  private readonly log: (message: string, error?: unknown) => void;
  private readonly subscriptions = new Set<PostgresSubscription>();
  private closed = false;

  /** On a caller's pool: close() then leaves the pool open (pass ownsPool to end it too). */
  constructor(
    private readonly pool: pg.Pool,
    options: PostgresEventStoreOptions = {},
    private readonly ownsPool = false,
  ) {
    this.notifyChannel = options.notifyChannel ?? DEFAULT_NOTIFY_CHANNEL;
    this.appendRetries = options.appendRetries ?? 10;
    this.feed = feedReader(pool, options.snapshotGuard ?? true);
    this.log = options.log ?? ((message, error) => console.warn(`[event-store] ${message}`, error ?? ''));
  }

  /** A store with its own pool (closed by close()). */
  static async connect(url: string, options: PostgresEventStoreOptions & { poolSize?: number } = {}): Promise<PostgresEventStore> {
    const { poolSize = 10, ...storeOptions } = options;
    const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: 'funnel-ledger' });
    const store = new PostgresEventStore(pool, storeOptions, true);
    // An idle pooled connection that dies emits 'error' on the pool; unhandled, it would crash the process.
    pool.on('error', (error) => store.log('idle database connection failed', error));
    try {
      await pool.query('SELECT 1').catch((error: Error) => {
        throw new Error(`Cannot connect to the event store database: ${error.message}`, { cause: error });
      });
      await assertTransactionIdsAhead(pool);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return store;
  }

  async append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const prepared = prepareAppend(streamId, events, options);
    // Each try is its own autocommit statement, i.e. a new transaction with a newer id.
    return withStaleOrderRetries(() => appendOnce(this.pool, prepared, this.notifyChannel), this.appendRetries);
  }

  /** One statement (one transaction) for every stream; retried like append after a stale transaction order. */
  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const prepared = prepareAppendMany(appends);
    return withStaleOrderRetries(() => appendManyOnce(this.pool, prepared, this.notifyChannel), this.appendRetries);
  }

  async readStream(streamId: string, options: { fromRevision?: number } = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>({
      name: 'fl_read_stream',
      text: `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.stream_id = $1 AND e.revision >= $2 ORDER BY e.revision`,
      values: [streamId, options.fromRevision ?? 1],
    });
    return rows.map(toRecordedEvent);
  }

  async streamRevision(streamId: string): Promise<number> {
    const { rows } = await this.pool.query<{ version: string }>('SELECT version::text AS version FROM streams WHERE stream_id = $1', [streamId]);
    return rows[0] ? Number(rows[0].version) : 0;
  }

  /** The earlier append made with this key, reported as its replay would be (idempotentReplay: true). */
  async findIdempotentAppend(streamId: string, idempotencyKey: string): Promise<AppendResult | null> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events e
        WHERE e.stream_id = $1 AND e.revision BETWEEN
              (SELECT first_revision FROM stream_idempotency WHERE stream_id = $1 AND idempotency_key = $2) AND
              (SELECT last_revision FROM stream_idempotency WHERE stream_id = $1 AND idempotency_key = $2)
        ORDER BY e.revision`,
      [streamId, idempotencyKey],
    );
    const events = rows.map(toRecordedEvent);
    const last = events[events.length - 1];
    return last ? { streamId, events, nextExpectedRevision: last.revision, idempotentReplay: true } : null;
  }

  /** Batches until caught up: stops at the first batch shorter than batchSize (nothing more was readable then). */
  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<EventBatch> {
    let after = assertCheckpoint(options.after ?? START_OF_FEED);
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError(`readAll: batchSize must be a positive integer, got ${batchSize}`);
    for (;;) {
      const batch = await this.feed.readBatch(after, batchSize);
      if (!batch) return;
      yield batch;
      if (batch.events.length < batchSize) return;
      after = batch.checkpoint;
    }
  }

  subscribe(options: SubscriptionOptions): PostgresSubscription {
    if (this.closed) throw new Error('subscribe: the event store is closed');
    const subscription = new PostgresSubscription(
      { feed: this.feed, listenerConfig: this.pool.options, channel: this.notifyChannel, log: this.log },
      options,
    );
    this.subscriptions.add(subscription);
    void subscription.done.then(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  async checkpointOf(globalPosition: string): Promise<Checkpoint | null> {
    const { rows } = await this.pool.query<{ transaction_id: string; global_position: string }>(
      `SELECT transaction_id::text AS transaction_id, global_position::text AS global_position FROM events WHERE global_position = $1::bigint`,
      [assertDecimal(globalPosition, 'global position')],
    );
    return rows[0] ? { transactionId: rows[0].transaction_id, globalPosition: rows[0].global_position } : null;
  }

  headCheckpoint(): Promise<Checkpoint | null> {
    return this.feed.head();
  }

  verifyStream(streamId: string): Promise<PostgresVerificationReport> {
    return verifyChains(() => this.pool.connect(), streamId);
  }

  verifyAll(): Promise<PostgresVerificationReport> {
    return verifyChains(() => this.pool.connect(), null);
  }

  /** Stops the subscriptions; ends the pool when the store created it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    if (this.ownsPool) await this.pool.end();
  }
}
