import { WakeableSleep, backoffDelay } from './wakeable-sleep.js';
import pg from 'pg';
import { START_OF_FEED, type Checkpoint, type EventBatch, type Subscription, type SubscriptionOptions } from './event-store.port.js';
import type { FeedReader } from './feed.js';
import { assertCheckpoint } from './rows.js';

export interface SubscriptionDeps {
  feed: FeedReader;
  /** Connection settings for the dedicated LISTEN connection (a pooled one would be held forever). */
  listenerConfig: pg.ClientConfig;
  channel: string;
  log: (message: string, error?: unknown) => void;
}

const DEFAULT_POLL_MS = 500;
const DEFAULT_BATCH = 1000;

/** The handler threw: the subscription stops on this batch (it is never skipped). */
class HandlerFailed {
  constructor(readonly error: unknown) {}
}

/**
 * A catch-up loop over the global feed. It runs a catch-up (read batches until caught up, awaiting the
 * handler for each) when a NOTIFY arrives, when the poll interval passes, or soon again when the guard holds
 * back committed events. Notifications that arrive during a catch-up collapse into one more catch-up.
 * Read or connection errors are retried with backoff from the same checkpoint; a handler error stops it.
 */
export class PostgresSubscription implements Subscription {
  readonly done: Promise<void>;
  /** Resolves once LISTEN is active and the first catch-up has run (or the subscription stopped). */
  readonly ready: Promise<void>;

  private checkpoint: Checkpoint;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private stopped = false;
  private notified = false;
  private readonly sleeper = new WakeableSleep();
  private listening = false;
  private caughtUpOnce = false;
  private markReady!: () => void;
  private markHalted!: () => void;
  private readonly halted = new Promise<void>((resolve) => (this.markHalted = resolve));

  constructor(
    private readonly deps: SubscriptionDeps,
    private readonly options: SubscriptionOptions,
  ) {
    this.checkpoint = assertCheckpoint(options.after ?? START_OF_FEED);
    this.batchSize = positive(options.batchSize ?? DEFAULT_BATCH, 'batchSize');
    this.pollMs = positive(options.pollIntervalMs ?? DEFAULT_POLL_MS, 'pollIntervalMs');
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.done = Promise.all([this.readLoop(), this.listenLoop()]).then(() => this.markReady());
  }

  async stop(): Promise<void> {
    this.halt();
    await this.done;
  }

  /** Ends every wait and the LISTEN connection (closing the session drops its LISTEN). */
  private halt(): void {
    this.stopped = true;
    this.markHalted();
    this.sleeper.stop();
  }


  private async readLoop(): Promise<void> {
    let failures = 0;
    let heldBackDelay = 0;
    while (!this.stopped) {
      this.sleeper.clearWake();
      const notified = this.notified;
      this.notified = false;
      try {
        await this.catchUp();
        failures = 0;
        this.caughtUpOnce = true;
        this.maybeReady();
        if (this.sleeper.woken) continue;
        // A notification came but the event may still be held back by an older running transaction:
        // look again soon instead of waiting for the next poll.
        if (notified && (await this.deps.feed.hasHeldBackEvents(this.checkpoint))) {
          heldBackDelay = Math.min(Math.max(10, heldBackDelay * 2), this.pollMs);
          this.notified = true;
          await this.sleeper.sleep(heldBackDelay);
        } else {
          heldBackDelay = 0;
          await this.sleeper.sleep(this.pollMs);
        }
      } catch (error) {
        if (error instanceof HandlerFailed) {
          this.halt();
          this.reportHandlerError(error.error);
          break;
        }
        failures++;
        this.deps.log(`subscription: reading the feed failed (attempt ${failures}), retrying from the same checkpoint`, error);
        await this.sleeper.sleep(backoffDelay(failures));
      }
    }
  }

  private async catchUp(): Promise<void> {
    while (!this.stopped) {
      const batch = await this.deps.feed.readBatch(this.checkpoint, this.batchSize);
      if (!batch || this.stopped) return; // stopped meanwhile: the checkpoint stays before this batch
      await this.deliver(batch);
      if (batch.events.length < this.batchSize) return; // caught up as of that read
    }
  }

  private async deliver(batch: EventBatch): Promise<void> {
    if (this.deps.feed.compare(batch.checkpoint, this.checkpoint) <= 0) {
      throw new HandlerFailed(new Error(`subscription: the feed went backwards (${JSON.stringify(batch.checkpoint)} after ${JSON.stringify(this.checkpoint)})`));
    }
    try {
      await this.options.handler(batch);
    } catch (error) {
      throw new HandlerFailed(error);
    }
    this.checkpoint = batch.checkpoint;
  }

  private reportHandlerError(error: unknown): void {
    if (this.options.onError) this.options.onError(error);
    else this.deps.log('subscription stopped: the handler failed (no onError given)', error);
  }

  /** Keeps a LISTEN connection open, reconnecting with backoff; polling covers the gaps. */
  private async listenLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const client = new pg.Client({
        connectionTimeoutMillis: 10_000,
        ...this.deps.listenerConfig,
        application_name: 'funnel-ledger-subscription',
      });
      const closed = new Promise<void>((resolve) => {
        client.on('error', (error) => {
          if (!this.stopped) this.deps.log('subscription: the LISTEN connection failed', error);
          resolve();
        });
        client.on('end', () => resolve());
      });
      client.on('notification', () => {
        this.notified = true;
        this.sleeper.wake();
      });
      try {
        const listening = (async () => {
          await client.connect();
          await client.query(`LISTEN ${client.escapeIdentifier(this.deps.channel)}`);
        })();
        listening.catch(() => undefined); // observed below, unless stop() wins the race
        // Never wait on the connection alone: stop() must not hang on a server that does not answer.
        await Promise.race([listening, this.halted]);
        if (this.stopped) break;
        failures = 0;
        this.listening = true;
        this.sleeper.wake(); // notifications may have been missed while (re)connecting
        this.maybeReady();
        await Promise.race([closed, this.halted]);
      } catch (error) {
        if (!this.stopped) this.deps.log('subscription: could not LISTEN, polling meanwhile', error);
      } finally {
        this.listening = false;
        void client.end().catch(() => undefined);
      }
      if (this.stopped) break;
      failures++;
      await this.sleeper.sleep(backoffDelay(failures), false);
    }
  }

  private maybeReady(): void {
    if (this.listening && this.caughtUpOnce) this.markReady();
  }

}


function positive(value: number, what: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`subscribe: ${what} must be a positive number, got ${value}`);
  return value;
}
