import type { QueryRunner } from 'typeorm';
import type { EventStoreMigration } from './migration.js';

/**
 * The event store schema: streams (optimistic concurrency + hash chain head), events (immutable, hash
 * chained, ordered globally by (transaction_id, global_position)), idempotency keys, triggers refusing any
 * change to the log, and fl_append_events, which appends a batch in one round trip.
 *
 * SQLSTATEs raised (the adapter maps them):
 *   FL001 concurrency conflict; DETAIL 'actual_revision=<n>'
 *   FL002 stale transaction order: retry the whole append in a new transaction
 *   FL003 the log is append-only (UPDATE / DELETE / TRUNCATE refused)
 *   FL004 invalid append arguments
 */
export class CreateEventStore1732350000000 implements EventStoreMigration {
  readonly name = 'CreateEventStore1732350000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(TABLES);
    await queryRunner.query(IMMUTABILITY);
    await queryRunner.query(APPEND_FUNCTION);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP FUNCTION IF EXISTS fl_append_events(text, text, bigint, text, text[], text);
      DROP TABLE IF EXISTS stream_idempotency;
      DROP TABLE IF EXISTS events;
      DROP TABLE IF EXISTS streams;
      DROP FUNCTION IF EXISTS fl_refuse_log_mutation();
    `);
  }
}

const TABLES = `
CREATE TABLE streams (
  stream_id           text PRIMARY KEY,
  version             bigint NOT NULL CHECK (version >= 0),
  last_hash           bytea,
  -- the transaction that appended last: fl_append_events refuses to append from an older one (FL002)
  last_transaction_id xid8 NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE events_global_position_seq AS bigint;

CREATE TABLE events (
  global_position bigint NOT NULL DEFAULT nextval('events_global_position_seq') UNIQUE,
  transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
  -- No foreign key to streams: fl_append_events, the only writer, creates or locks the stream row before it
  -- inserts, and a per-event FK lookup costs about 5% of a batch append.
  stream_id       text NOT NULL,
  revision        bigint NOT NULL CHECK (revision >= 1),
  event_id        uuid NOT NULL UNIQUE,
  type            text NOT NULL CHECK (type <> ''),
  schema_version  int NOT NULL,
  data            jsonb NOT NULL,
  metadata        jsonb NOT NULL,
  occurred_at     timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  hash            bytea NOT NULL,
  PRIMARY KEY (stream_id, revision)
);
ALTER SEQUENCE events_global_position_seq OWNED BY events.global_position;

-- The global feed order. Sequence values are handed out before commit, so positions alone are not commit
-- ordered; readers page through (transaction_id, global_position) below the oldest running transaction.
CREATE INDEX events_feed_order_idx ON events (transaction_id, global_position);

CREATE TABLE stream_idempotency (
  stream_id       text NOT NULL REFERENCES streams (stream_id),
  idempotency_key text NOT NULL,
  first_revision  bigint NOT NULL,
  last_revision   bigint NOT NULL,
  PRIMARY KEY (stream_id, idempotency_key)
);
`;

const IMMUTABILITY = `
CREATE FUNCTION fl_refuse_log_mutation() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION '% on table % is refused: the event log is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'FL003',
          HINT = 'Events are never changed or removed: record a new event (or a new schema version with an upcaster).';
END
$fn$;

CREATE TRIGGER events_refuse_update_delete BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION fl_refuse_log_mutation();
CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse_log_mutation();
CREATE TRIGGER stream_idempotency_refuse_update_delete BEFORE UPDATE OR DELETE ON stream_idempotency
  FOR EACH ROW EXECUTE FUNCTION fl_refuse_log_mutation();
CREATE TRIGGER stream_idempotency_refuse_truncate BEFORE TRUNCATE ON stream_idempotency
  FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse_log_mutation();
`;

const APPEND_FUNCTION = `
CREATE FUNCTION fl_append_events(
  p_stream_id         text,
  p_expected_kind     text,    -- 'any' | 'no_stream' | 'revision'
  p_expected_revision bigint,  -- required for 'revision' (0 = the stream must not exist), else NULL
  p_idempotency_key   text,    -- NULL: none
  p_events            text[],  -- canonical JSON of each event: {data,eventId,metadata,occurredAt,schemaVersion,streamId,type}
  p_notify_channel    text DEFAULT 'fl_events'  -- NULL: no notification
) RETURNS TABLE (
  -- Only what the server assigns: the caller already has every other field (it wrote the documents).
  idempotent_replay boolean,
  global_position   bigint,
  transaction_id    xid8,
  revision          bigint,
  recorded_at       timestamptz,
  hash              bytea
) LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_stream   streams%ROWTYPE;
  v_existed  boolean;
  v_actual   bigint;
  v_key      stream_idempotency%ROWTYPE;
  v_count    int := coalesce(cardinality(p_events), 0);
  v_prev     bytea;
  v_hashes   bytea[] := '{}';
  v_docs     jsonb[];
  v_doc      text;
BEGIN
  IF p_stream_id IS NULL OR p_stream_id = '' THEN
    RAISE EXCEPTION 'fl_append_events: the stream id must not be empty' USING ERRCODE = 'FL004';
  END IF;
  IF v_count = 0 THEN
    RAISE EXCEPTION 'fl_append_events: nothing to append to stream %', p_stream_id USING ERRCODE = 'FL004';
  END IF;
  IF p_expected_kind IS NULL OR p_expected_kind NOT IN ('any', 'no_stream', 'revision')
     OR (p_expected_kind = 'revision') <> (p_expected_revision IS NOT NULL) THEN
    RAISE EXCEPTION 'fl_append_events: invalid expectation % / %', p_expected_kind, p_expected_revision
      USING ERRCODE = 'FL004';
  END IF;

  -- Lock the stream: appends to one stream serialize here (whatever their expectation).
  SELECT * INTO v_stream FROM streams s WHERE s.stream_id = p_stream_id FOR UPDATE;
  v_existed := FOUND;
  IF NOT v_existed THEN
    BEGIN
      INSERT INTO streams AS s (stream_id, version, last_hash, last_transaction_id)
      VALUES (p_stream_id, 0, NULL, pg_current_xact_id())
      RETURNING * INTO v_stream;
    EXCEPTION WHEN unique_violation THEN
      -- A concurrent append created the stream first (the INSERT waited for its commit). Lock its row and go
      -- on as for an existing stream: the checks below then report the conflict for 'no_stream' / revision 0,
      -- find its idempotency key, or append after it for 'any'. The collision is never swallowed.
      SELECT * INTO v_stream FROM streams s WHERE s.stream_id = p_stream_id FOR UPDATE;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'fl_append_events: stream % vanished while being created', p_stream_id;
      END IF;
      v_existed := true;
    END;
  END IF;
  v_actual := CASE WHEN v_existed THEN v_stream.version ELSE 0 END;

  -- A retry of an append that already happened: return its events, append nothing.
  IF p_idempotency_key IS NOT NULL AND v_existed THEN
    SELECT * INTO v_key FROM stream_idempotency k
     WHERE k.stream_id = p_stream_id AND k.idempotency_key = p_idempotency_key;
    IF FOUND THEN
      RETURN QUERY
        SELECT true, e.global_position, e.transaction_id, e.revision, e.recorded_at, e.hash
          FROM events e
         WHERE e.stream_id = p_stream_id AND e.revision BETWEEN v_key.first_revision AND v_key.last_revision
         ORDER BY e.revision;
      RETURN;
    END IF;
  END IF;

  IF (p_expected_kind = 'no_stream' AND v_existed)
     OR (p_expected_kind = 'revision' AND v_actual <> p_expected_revision) THEN
    RAISE EXCEPTION 'stream % is at revision %, expected %', p_stream_id, v_actual,
          CASE WHEN p_expected_kind = 'no_stream' THEN 'no stream' ELSE p_expected_revision::text END
      USING ERRCODE = 'FL001', DETAIL = format('actual_revision=%s', v_actual);
  END IF;

  -- Per-stream order must agree with the global feed order (transaction_id, global_position). Transaction
  -- ids are assigned when a transaction first writes or locks, not when it reaches this lock: a transaction B
  -- may hold an older xid than A, wait here while A appends, then append revisions after A's. Readers order
  -- by xid, so B's later revisions would come BEFORE A's earlier ones in the feed. Refuse: the caller retries
  -- in a fresh transaction, whose xid is necessarily newer than A's.
  IF v_existed AND pg_current_xact_id() < v_stream.last_transaction_id THEN
    RAISE EXCEPTION 'stale transaction order on stream %: transaction % is older than its last writer %, retry',
          p_stream_id, pg_current_xact_id(), v_stream.last_transaction_id
      USING ERRCODE = 'FL002';
  END IF;

  -- Parse every document exactly once (a subquery cast would be inlined into each column it feeds and parse
  -- the same text several times per row).
  v_docs := ARRAY(SELECT d::jsonb FROM unnest(p_events) WITH ORDINALITY AS u(d, ord) ORDER BY ord);
  IF EXISTS (SELECT 1 FROM unnest(v_docs) AS x(doc) WHERE x.doc->>'streamId' IS DISTINCT FROM p_stream_id) THEN
    RAISE EXCEPTION 'fl_append_events: an event document names another stream than %', p_stream_id
      USING ERRCODE = 'FL004';
  END IF;

  -- The hash chain: hash_i = sha256(hash_{i-1} || canonical_i) over the very text the columns are read from.
  v_prev := coalesce(v_stream.last_hash, ''::bytea);
  FOREACH v_doc IN ARRAY p_events LOOP
    v_prev := sha256(v_prev || convert_to(v_doc, 'UTF8'));
    v_hashes := array_append(v_hashes, v_prev);
  END LOOP;

  -- One INSERT for the batch, in revision order so positions ascend with revisions.
  RETURN QUERY
    WITH inserted AS (
      INSERT INTO events AS e (stream_id, revision, event_id, type, schema_version, data, metadata, occurred_at, hash)
      SELECT p_stream_id, v_actual + u.ord, (u.doc->>'eventId')::uuid, u.doc->>'type', (u.doc->>'schemaVersion')::int,
             u.doc->'data', u.doc->'metadata', (u.doc->>'occurredAt')::timestamptz, u.hash
        FROM unnest(v_docs, v_hashes) WITH ORDINALITY AS u(doc, hash, ord)
       ORDER BY u.ord
      RETURNING e.global_position, e.transaction_id, e.revision, e.recorded_at, e.hash
    )
    SELECT false, i.global_position, i.transaction_id, i.revision, i.recorded_at, i.hash
      FROM inserted i
     ORDER BY i.revision;

  UPDATE streams s
     SET version = v_actual + v_count, last_hash = v_prev, last_transaction_id = pg_current_xact_id()
   WHERE s.stream_id = p_stream_id;

  IF p_idempotency_key IS NOT NULL THEN
    INSERT INTO stream_idempotency (stream_id, idempotency_key, first_revision, last_revision)
    VALUES (p_stream_id, p_idempotency_key, v_actual + 1, v_actual + v_count);
  END IF;

  -- Delivered at commit; wakes subscribers (they poll as a fallback). The payload is informative only.
  IF p_notify_channel IS NOT NULL THEN
    PERFORM pg_notify(p_notify_channel, left(p_stream_id, 1000));
  END IF;
END
$fn$;
`;
