import { connectClient, storeLog } from './db.js';
import { appendOnce, DEFAULT_NOTIFY_CHANNEL, PostgresEventStore, prepareAppend, type PreparedAppend } from '../libs/event-store/src/index.js';
import { BARE_TABLE_SQL, chunking, quiesce, rawInsert, storeAppend } from './append-bench.js';
import { interleaved, median, type Contender } from './measure.js';
import { generateBatches, type BenchBatch } from './payload.js';

/**
 * Where the time of one batch append goes: the store's append is taken apart step by step, each step on its
 * own fresh batches (new stream per call), so "Node side" and "SQL side" can be compared with the raw
 * INSERT. Runs when the append misses its target (or with --breakdown).
 */
export interface BreakdownStep {
  label: string;
  note: string;
  msPerBatch: number;
  eventsPerSecond: number;
}

export interface BreakdownResult {
  events: number;
  batchSize: number;
  runs: number;
  steps: BreakdownStep[];
  plan: PlanCheck;
}

/** What auto_explain shows of the statements fl_append_events runs for one small append. */
export interface PlanCheck {
  available: boolean;
  /** Most `::jsonb` casts on one Output line under the INSERT into events (1 = each document parsed once). */
  jsonbCastsPerRow: number | null;
  /** Foreign-key checks (SELECT ... FOR KEY SHARE on streams) per inserted event. */
  foreignKeyChecksPerEvent: number | null;
  reason?: string;
}

const PLAN_CHECK_EVENTS = 10;

/**
 * Runs one small append with auto_explain logging every nested statement's plan to this session (LOG
 * messages arrive as notices when client_min_messages = log), then reads two costs off the plans. Needs the
 * auto_explain module and a superuser; reports unavailable otherwise.
 */
async function planCheck(databaseUrl: string, batch: BenchBatch): Promise<PlanCheck> {
  const client = await connectClient(databaseUrl, 'funnel-ledger-bench-plan');
  const messages: string[] = [];
  client.on('notice', (notice) => messages.push(notice.message ?? ''));
  try {
    await client.query("LOAD 'auto_explain'");
    await client.query(
      'SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on; SET auto_explain.log_verbose = on; SET client_min_messages = log',
    );
    const prepared = prepareAppend(batch.streamId, batch.events, { expectedRevision: 'no_stream' });
    await client.query({ text: 'SELECT count(*) FROM fl_append_events($1, $2, $3, $4, $5::text[], $6)', values: fnArgs(prepared) });
    await client.query('SET client_min_messages = notice');
    const insertPlan = messages.find((m) => /Insert on \S*events\b/.test(m));
    if (!insertPlan) return { available: false, jsonbCastsPerRow: null, foreignKeyChecksPerEvent: null, reason: 'no plan of the INSERT into events was logged' };
    const casts = Math.max(
      0,
      ...insertPlan
        .split('\n')
        .filter((line) => line.trim().startsWith('Output:'))
        .map((line) => (line.match(/\)::jsonb/g) ?? []).length),
    );
    const fkChecks = messages.filter((m) => /FOR KEY SHARE OF/.test(m) && /streams/.test(m)).length;
    return { available: true, jsonbCastsPerRow: casts, foreignKeyChecksPerEvent: fkChecks / batch.events.length };
  } catch (error) {
    return { available: false, jsonbCastsPerRow: null, foreignKeyChecksPerEvent: null, reason: (error as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The events table's keys and indexes on plain tables (with and without the FK): what a raw INSERT pays for them. */
const keyed = (table: string, foreignKey: string) =>
  BARE_TABLE_SQL.replaceAll('bench_raw', table).replace(
    /\);\s*$/,
    `, PRIMARY KEY (stream_id, revision), UNIQUE (global_position), UNIQUE (event_id)${foreignKey});
    CREATE INDEX ${table}_feed_idx ON ${table} (transaction_id, global_position);`,
  );
const INDEXED_TABLE_SQL = `CREATE TABLE bench_streams (stream_id text PRIMARY KEY);
  ${keyed('bench_indexed', '')}
  ${keyed('bench_fk', ', FOREIGN KEY (stream_id) REFERENCES bench_streams (stream_id)')}`;

/** The hash-chain loop of fl_append_events, alone (no table touched). */
const CHAIN_FUNCTIONS_SQL = `
  CREATE FUNCTION pg_temp.bench_chain(p_stream_id text, p_events text[], p_check boolean) RETURNS int LANGUAGE plpgsql AS $fn$
  DECLARE v_prev bytea := ''::bytea; v_hashes bytea[] := '{}'; v_doc text;
  BEGIN
    FOREACH v_doc IN ARRAY p_events LOOP
      IF p_check AND (v_doc::jsonb)->>'streamId' IS DISTINCT FROM p_stream_id THEN
        RAISE EXCEPTION 'bad stream';
      END IF;
      v_prev := sha256(v_prev || convert_to(v_doc, 'UTF8'));
      v_hashes := array_append(v_hashes, v_prev);
    END LOOP;
    RETURN cardinality(v_hashes);
  END
  $fn$;`;

const fnArgs = (p: PreparedAppend) => [p.streamId, 'no_stream', null, null, p.documents, DEFAULT_NOTIFY_CHANNEL];

export async function runAppendBreakdown(
  databaseUrl: string,
  options: { events: number; batchSize: number; runs: number; seed: number; chunkBatches: number; log: (message: string) => void },
): Promise<BreakdownResult> {
  const { events, batchSize, runs, seed, chunkBatches, log } = options;
  const client = await connectClient(databaseUrl);
  const store = await PostgresEventStore.connect(databaseUrl, { poolSize: 1, log: storeLog }).catch(async (error: unknown) => {
    await client.end();
    throw error;
  });
  try {
    await client.query(INDEXED_TABLE_SQL);
    await client.query(CHAIN_FUNCTIONS_SQL);
    const { rounds, eventsPerChunk, eventsPerRun } = chunking(events, batchSize, chunkBatches);
    const batches = (step: number, run: number, round: number) =>
      generateBatches({ label: `bd${step}-r${run}-${round}`, seed, totalEvents: eventsPerChunk, batchSize, streams: 'new' });
    const prepare = (list: BenchBatch[]) => list.map((b) => prepareAppend(b.streamId, b.events, { expectedRevision: 'no_stream' }));

    /** Each step builds its input before the clock starts (fresh streams every time), then is timed. */
    const steps: Contender<unknown>[] = [];
    const notes: string[] = [];
    const add = <I>(name: string, note: string, setup: (run: number, round: number) => I | Promise<I>, run: (input: I) => Promise<void>) => {
      steps.push({ name, setup, run } as Contender<unknown>);
      notes.push(note);
    };
    add('store.append() (whole call)', 'what the table above measures', (r, k) => batches(0, r, k), (b) => storeAppend(store, b));
    add('Node: prepareAppend() only', 'validation, UUIDs, canonical JSON; no database', (r, k) => batches(1, r, k), async (b) => void prepare(b));
    add('appendOnce() on prepared documents', 'SQL call + 1,000 rows returned, parsed, mapped', (r, k) => prepare(batches(2, r, k)), async (p) => {
      for (const prepared of p) await appendOnce(client, prepared, DEFAULT_NOTIFY_CHANNEL);
    });
    add('SQL only: SELECT count(*) FROM fl_append_events()', 'the function, same arguments, no rows sent back', (r, k) => prepare(batches(3, r, k)), async (p) => {
      for (const prepared of p) {
        await client.query({ name: 'bench_fn_count', text: 'SELECT count(*) FROM fl_append_events($1, $2, $3, $4, $5::text[], $6)', values: fnArgs(prepared) });
      }
    });
    add('SQL only: hash-chain loop (jsonb check + sha256)', "the function's FOREACH loop alone, writes nothing", (r, k) => prepare(batches(4, r, k)), async (p) => {
      for (const prepared of p) {
        await client.query({ name: 'bench_chain_check', text: 'SELECT pg_temp.bench_chain($1, $2::text[], true)', values: [prepared.streamId, prepared.documents] });
      }
    });
    add('SQL only: hash-chain loop (sha256 only)', 'the same loop without re-parsing each document', (r, k) => prepare(batches(5, r, k)), async (p) => {
      for (const prepared of p) {
        await client.query({ name: 'bench_chain_plain', text: 'SELECT pg_temp.bench_chain($1, $2::text[], false)', values: [prepared.streamId, prepared.documents] });
      }
    });
    add(
      'raw INSERT, events keys + indexes + FK to streams',
      'PK, 2 unique, feed index, FK; no function, no hash',
      async (r, k) => {
        const list = batches(6, r, k);
        await client.query('INSERT INTO bench_streams (stream_id) SELECT unnest($1::text[])', [list.map((b) => b.streamId)]);
        return list;
      },
      (b) => rawInsert(client, b, 'bench_fk'),
    );
    add('raw INSERT, events keys + indexes, no FK', 'what the FK check per row costs (vs the row above)', (r, k) => batches(7, r, k), (b) => rawInsert(client, b, 'bench_indexed'));
    add('raw INSERT, bare table', 'the baseline again, same conditions', (r, k) => batches(8, r, k), (b) => rawInsert(client, b));

    // Warm-up (not counted): prepared statements and JIT for every step.
    for (const step of steps) await step.run(await step.setup(-1, 0));
    const seconds = await interleaved(steps, {
      runs,
      rounds,
      beforeChunk: () => quiesce(client),
      onRun: (run) => log(`  breakdown run ${run + 1}/${runs} done`),
    });
    const batchesPerRun = eventsPerRun / batchSize;
    const plan = await planCheck(
      databaseUrl,
      generateBatches({ label: 'bd-plan', seed, totalEvents: PLAN_CHECK_EVENTS, batchSize: PLAN_CHECK_EVENTS, streams: 'new' })[0]!,
    );
    return {
      plan,
      events: eventsPerRun,
      batchSize,
      runs,
      steps: steps.map((step, i) => {
        const s = median(seconds[i]!);
        return { label: step.name, note: notes[i]!, msPerBatch: (s * 1000) / batchesPerRun, eventsPerSecond: eventsPerRun / s };
      }),
    };
  } finally {
    await store.close().catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
