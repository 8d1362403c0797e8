/**
 * The event store port. Adapters (PostgreSQL today, embedded or external; EventStoreDB later) implement it
 * with the same observable semantics; the contract tests in test/event-store run against each.
 */

/** Who or what caused an event. */
export type ActorType = 'user' | 'system' | 'import';
export interface Actor {
  type: ActorType;
  id: string;
}

export interface EventMetadata {
  actor: Actor;
  correlationId: string | null;
  causationId: string | null;
  /** Set on the events of an append that carried an idempotency key. */
  idempotencyKey: string | null;
}

/** An event to append. `eventId` defaults to a fresh UUID v7 (pass one to make imports deterministic). */
export interface NewEvent {
  eventId?: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: Omit<EventMetadata, 'idempotencyKey'>;
  occurredAt: Date;
}

export interface RecordedEvent {
  eventId: string;
  streamId: string;
  /** 1-based, gap-free within the stream. */
  revision: number;
  /** Position from the global sequence (unique; a consistency token); decimal string because it is a bigint. */
  globalPosition: string;
  /** The writing transaction's id (xid8) as a decimal string; with globalPosition it orders the global feed. */
  transactionId: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: EventMetadata;
  occurredAt: Date;
  recordedAt: Date;
  /** SHA-256 (hex) over the previous event's hash in the stream and this event's canonical JSON. */
  hash: string;
}

/**
 * A recorded event without its metadata and chain hash: what a bulk build reads and folds (libs/projections,
 * bulk-build.ts). Read models fold facts, not provenance, and reading both was a third of a bulk read's time.
 */
export type RecordedEventBody = Omit<RecordedEvent, 'metadata' | 'hash'>;

/** Rewrites an event to its current schema, keeping every other field: for whole recorded events and bodies alike. */
export type Upcaster = <E extends RecordedEventBody>(event: E) => E;

/**
 * What the caller expects of the stream before the append:
 * - 'no_stream': it must not exist (first event);
 * - 'any': no expectation (the stream row is locked so appends serialize);
 * - a number: the stream's current revision must equal it.
 */
export type ExpectedRevision = 'no_stream' | 'any' | number;

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
  /** Unique per stream: a retry with the same key returns the events of the first append and appends nothing. */
  idempotencyKey?: string | null;
}

/** One stream's part of a multi-stream append (appendMany). */
export interface StreamAppend {
  streamId: string;
  events: NewEvent[];
  options: AppendOptions;
}

export interface AppendResult {
  streamId: string;
  events: RecordedEvent[];
  /** The stream's revision after the append (for a replay: the revision of the original append's last event). */
  nextExpectedRevision: number;
  /** true when the idempotency key matched an earlier append and nothing was written. */
  idempotentReplay: boolean;
}

/**
 * A position in the global feed: the pair (transaction id, global position). The feed is ordered by this
 * pair and only ever returns events of transactions older than every transaction still in flight, so a
 * reader never skips an event committed late by a concurrent transaction.
 */
export interface Checkpoint {
  transactionId: string;
  globalPosition: string;
}

export const START_OF_FEED: Checkpoint = { transactionId: '0', globalPosition: '0' };

export interface ReadAllOptions {
  after?: Checkpoint;
  batchSize?: number;
}

export interface EventBatch {
  events: RecordedEvent[];
  /** The checkpoint of the last event of the batch: pass it as `after` to continue. */
  checkpoint: Checkpoint;
}

export interface SubscriptionOptions extends ReadAllOptions {
  /** Called for each batch in order; the subscription waits for it before reading on. */
  handler: (batch: EventBatch) => Promise<void>;
  /** Polling fallback when no notification arrives (ms). */
  pollIntervalMs?: number;
  /** Called when the handler throws; the subscription then stops (a poison batch is never skipped). */
  onError?: (error: unknown) => void;
}

export interface Subscription {
  /** Stops reading; resolves when the current batch (if any) has been handled. */
  stop(): Promise<void>;
  /** Resolves when the subscription stopped (by stop() or an error). */
  readonly done: Promise<void>;
}

export interface BrokenLink {
  streamId: string;
  revision: number;
  eventId: string;
  expectedHash: string;
  storedHash: string;
}

export interface VerificationReport {
  ok: boolean;
  streamsChecked: number;
  eventsChecked: number;
  /** The first event whose stored hash does not match the recomputed chain (null when ok). */
  firstBrokenLink: BrokenLink | null;
}

export interface EventStore {
  append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /**
   * Appends to many streams in one transaction (the bulk import path), each with the guarantees of `append`
   * (expectation, idempotency key, hash chain, gap-free revisions, feed order). All or nothing: a conflict on
   * any stream fails the whole call and writes nothing. Results in the order of `appends`; stream ids distinct.
   */
  appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  /** Events of one stream in revision order, from `fromRevision` (inclusive, default 1). */
  readStream(streamId: string, options?: { fromRevision?: number }): Promise<RecordedEvent[]>;
  /** The current revision of a stream (0 when it does not exist). */
  streamRevision(streamId: string): Promise<number>;
  /** The earlier append made with this idempotency key, if any. */
  findIdempotentAppend(streamId: string, idempotencyKey: string): Promise<AppendResult | null>;
  /** The global feed in batches, from after a checkpoint, until it is caught up. */
  readAll(options?: ReadAllOptions): AsyncIterable<EventBatch>;
  /** Reads the feed continuously, woken by notifications with a polling fallback. */
  subscribe(options: SubscriptionOptions): Subscription;
  /** The event with this global position, if any (to compare a consistency token with a checkpoint). */
  checkpointOf(globalPosition: string): Promise<Checkpoint | null>;
  /** The checkpoint of the newest event readable by subscribers now (null when the feed is empty). */
  headCheckpoint(): Promise<Checkpoint | null>;
  verifyStream(streamId: string): Promise<VerificationReport>;
  verifyAll(): Promise<VerificationReport>;
  close(): Promise<void>;
}

/** The stream moved on (or exists, or does not) against the caller's expectation. */
export class ConcurrencyConflictError extends Error {
  readonly code = 'CONCURRENCY_CONFLICT' as const;
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number,
  ) {
    super(`Stream ${streamId} is at revision ${actual}, expected ${expected === 'no_stream' ? 'no stream' : expected}`);
    this.name = 'ConcurrencyConflictError';
  }
}
