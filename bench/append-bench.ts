import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { connectClient, storeLog } from './db.js';
import { from as copyFrom } from 'pg-copy-streams';
import { PostgresEventStore } from '../libs/event-store/src/index.js';
import { interleaved, throughput, type Contender, type Throughput } from './measure.js';
import { generateBatches, payloadSizes, type BenchBatch } from './payload.js';

/**
 * Batch appends against the practical limits of the same server: the store's append (1,000 events per call)
 * versus raw multi-row INSERTs and COPY of the same rows into a bare table with the same columns.
 *
 * Fairness rules: every method starts from the same in-memory events (generated before the clock starts) and
 * ends with the rows committed, one statement (= one transaction, one commit) per batch of 1,000, over one
 * connection, one call at a time. Turning events into parameters (JSON.stringify, arrays, COPY text) is
 * timed for the baselines just as the store's own preparation is timed for the append. The methods take
 * turns in chunks of a few batches (measure.ts interleaved), so a load spike from elsewhere hits all alike.
 */
export interface AppendBenchOptions {
  events: number;
  batchSize: number;
  runs: number;
  seed: number;
  /** Streams the "existing streams" variant spreads its batches over (each then grows batch by batch). */
  existingStreams: number;
  /** Batches per chunk: each run interleaves the methods chunk by chunk (see measure.ts interleaved). */
  chunkBatches: number;
  log: (message: string) => void;
}

export interface AppendBenchResult {
  payload: { dataBytes: number; metadataBytes: number };
  /** Chunks per method and run, and events per chunk. */
  rounds: number;
  eventsPerChunk: number;
  rawInsert: Throughput;
  rawCopy: Throughput;
  appendNewStreams: Throughput;
  appendExistingStreams: Throughput;
}

export type Method = 'rawInsert' | 'rawCopy' | 'appendNewStreams' | 'appendExistingStreams';
const METHODS: readonly Method[] = ['rawInsert', 'rawCopy', 'appendNewStreams', 'appendExistingStreams'];

/** Same columns and types as `events`, as a plain heap: no keys, indexes, triggers, function or hashing. */
export const BARE_TABLE_SQL = `
  CREATE SEQUENCE bench_raw_global_position_seq AS bigint;
  CREATE TABLE bench_raw (
    global_position bigint      NOT NULL DEFAULT nextval('bench_raw_global_position_seq'),
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    stream_id       text        NOT NULL,
    revision        bigint      NOT NULL,
    event_id        uuid        NOT NULL,
    type            text        NOT NULL,
    schema_version  int         NOT NULL,
    data            jsonb       NOT NULL,
    metadata        jsonb       NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    hash            bytea       NOT NULL
  );`;

const COLUMNS = 'stream_id, revision, event_id, type, schema_version, data, metadata, occurred_at, hash';

export const RAW_INSERT_SQL = `INSERT INTO bench_raw (${COLUMNS})
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[], $8::timestamptz[], $9::bytea[])`;

/** The metadata document exactly as the store stores it (it adds idempotencyKey). */
const storedMetadata = (metadata: object): string => JSON.stringify({ ...metadata, idempotencyKey: null });

export async function rawInsert(client: pg.Client, batches: BenchBatch[], table = 'bench_raw'): Promise<void> {
  const text = table === 'bench_raw' ? RAW_INSERT_SQL : RAW_INSERT_SQL.replace('bench_raw', table);
  for (const { streamId, revisionBefore, events, hashes } of batches) {
    const n = events.length;
    const streams = new Array<string>(n).fill(streamId);
    const revisions = new Array<number>(n);
    const ids = new Array<string>(n);
    const types = new Array<string>(n);
    const versions = new Array<number>(n);
    const data = new Array<string>(n);
    const metadata = new Array<string>(n);
    const occurred = new Array<string>(n);
    const hash = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const event = events[i]!;
      revisions[i] = revisionBefore + i + 1;
      ids[i] = event.eventId!;
      types[i] = event.type;
      versions[i] = event.schemaVersion;
      data[i] = JSON.stringify(event.data);
      metadata[i] = storedMetadata(event.metadata);
      occurred[i] = event.occurredAt.toISOString();
      hash[i] = `\\x${hashes[i]}`;
    }
    await client.query({
      name: `bench_raw_insert_${table}`,
      text,
      values: [streams, revisions, ids, types, versions, data, metadata, occurred, hash],
    });
  }
}

const COPY_SPECIAL = /[\\\n\r\t]/;
/** COPY text format: backslash, newline, carriage return and tab must be escaped. */
export function copyText(value: string): string {
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

export async function rawCopy(client: pg.Client, batches: BenchBatch[]): Promise<void> {
  for (const { streamId, revisionBefore, events, hashes } of batches) {
    const stream = copyText(streamId);
    const lines = new Array<string>(events.length);
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      lines[i] =
        `${stream}\t${revisionBefore + i + 1}\t${event.eventId}\t${copyText(event.type)}\t${event.schemaVersion}\t` +
        `${copyText(JSON.stringify(event.data))}\t${copyText(storedMetadata(event.metadata))}\t${event.occurredAt.toISOString()}\t\\\\x${hashes[i]}\n`;
    }
    // One COPY (one transaction) per batch, like one INSERT or one append per batch.
    await pipeline(Readable.from([lines.join('')]), client.query(copyFrom(`COPY bench_raw (${COLUMNS}) FROM STDIN`)));
  }
}

export async function storeAppend(store: PostgresEventStore, batches: BenchBatch[]): Promise<void> {
  for (const { streamId, revisionBefore, events } of batches) {
    const result = await store.append(streamId, events, { expectedRevision: revisionBefore === 0 ? 'no_stream' : revisionBefore });
    if (result.nextExpectedRevision !== revisionBefore + events.length) {
      throw new Error(`append to ${streamId}: revision ${result.nextExpectedRevision}, expected ${revisionBefore + events.length}`);
    }
  }
}

/** A checkpoint started by an earlier chunk's WAL must not land inside a later one: flush before each chunk. */
export async function quiesce(client: pg.Client): Promise<void> {
  await client.query('CHECKPOINT').catch(() => undefined);
}

/** Rounds per run and events per chunk, so that a run holds about `events` events in whole batches. */
export function chunking(events: number, batchSize: number, chunkBatches: number): { rounds: number; eventsPerChunk: number; eventsPerRun: number } {
  const rounds = Math.max(1, Math.round(events / (batchSize * chunkBatches)));
  const eventsPerChunk = Math.ceil(events / rounds / batchSize) * batchSize;
  return { rounds, eventsPerChunk, eventsPerRun: rounds * eventsPerChunk };
}

export async function runAppendBench(databaseUrl: string, options: AppendBenchOptions): Promise<AppendBenchResult> {
  const { events, batchSize, runs, seed, existingStreams, chunkBatches, log } = options;
  const client = await connectClient(databaseUrl);
  // One connection, like the raw client: calls are sequential anyway.
  const store = await PostgresEventStore.connect(databaseUrl, { poolSize: 1, log: storeLog }).catch(async (error: unknown) => {
    await client.end();
    throw error;
  });
  try {
    await client.query(BARE_TABLE_SQL);
    const { rounds, eventsPerChunk, eventsPerRun } = chunking(events, batchSize, chunkBatches);
    const growing = new Map<number, Map<string, number>>(); // run -> revisions of its growing streams
    const batchesFor = (method: Method, label: string, totalEvents: number, run: number): BenchBatch[] => {
      if (method !== 'appendExistingStreams') return generateBatches({ label: `${method}-${label}`, seed, totalEvents, batchSize, streams: 'new' });
      if (!growing.has(run)) growing.set(run, new Map());
      return generateBatches({
        label: `${method}-${label}`,
        seed,
        totalEvents,
        batchSize,
        streams: existingStreams,
        streamLabel: `growing-${run}`,
        revisions: growing.get(run)!,
      });
    };
    const execute = (method: Method, batches: BenchBatch[]): Promise<void> => {
      switch (method) {
        case 'rawInsert':
          return rawInsert(client, batches);
        case 'rawCopy':
          return rawCopy(client, batches);
        default:
          return storeAppend(store, batches);
      }
    };

    // Warm-up (not counted): prepared statements, JIT, the first pages of every table and index.
    for (const method of METHODS) await execute(method, batchesFor(method, 'warmup', WARMUP_BATCHES * batchSize, -1));
    const sizes = payloadSizes(generateBatches({ label: 'sizes', seed, totalEvents: 10 * batchSize, batchSize, streams: 'new' }));

    const contenders: Contender<BenchBatch[]>[] = METHODS.map((method) => ({
      name: method,
      setup: (run, round) => batchesFor(method, `r${run}-${round}`, eventsPerChunk, run),
      run: (batches) => execute(method, batches),
    }));
    const seconds = await interleaved(contenders, {
      runs,
      rounds,
      beforeChunk: () => quiesce(client),
      onRun: (run, total) =>
        log(`  run ${run + 1}/${runs}: ${METHODS.map((m, i) => `${m} ${Math.round(eventsPerRun / total[i]!).toLocaleString('en-US')}`).join(', ')} ev/s`),
    });
    await assertCounts(client, eventsPerRun * runs + WARMUP_BATCHES * batchSize);
    const result = (method: Method) => throughput(seconds[METHODS.indexOf(method)]!.map((s) => eventsPerRun / s), eventsPerRun);
    return {
      payload: sizes,
      rounds,
      eventsPerChunk,
      rawInsert: result('rawInsert'),
      rawCopy: result('rawCopy'),
      appendNewStreams: result('appendNewStreams'),
      appendExistingStreams: result('appendExistingStreams'),
    };
  } finally {
    await store.close().catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

const WARMUP_BATCHES = 5;

/** Every method must really have written every row (a silently failing method would look fast). */
async function assertCounts(client: pg.Client, perTable: number): Promise<void> {
  const expected = 2 * perTable; // two methods write to each table
  const { rows } = await client.query<{ raw: string; store: string }>(
    `SELECT (SELECT count(*) FROM bench_raw) AS raw, (SELECT count(*) FROM events) AS store`,
  );
  const raw = Number(rows[0]!.raw);
  const store = Number(rows[0]!.store);
  if (raw !== expected || store !== expected) {
    throw new Error(`row counts do not match: bench_raw ${raw}, events ${store}, expected ${expected} each`);
  }
}
