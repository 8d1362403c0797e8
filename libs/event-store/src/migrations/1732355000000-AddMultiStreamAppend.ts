import type { QueryRunner } from 'typeorm';
import type { EventStoreMigration } from './migration.js';

/**
 * fl_append_streams: the batch path for many streams (bulk import). One call, one transaction, the same
 * guarantees as fl_append_events for every stream it names: the stream row is locked (or created), a known
 * idempotency key replays, the expectation is checked (FL001), an append from a transaction older than the
 * stream's last writer is refused (FL002), the hash chain continues from the stream head, revisions are
 * gap-free and positions ascend with them. All or nothing: any refusal undoes the whole call.
 *
 * Why a second function rather than a loop of fl_append_events: its per-stream statements (lock, insert the
 * stream, idempotency lookup, update the head) cost more than the inserts when streams hold 2-3 events each,
 * as imported leads do. Here each of them is one set-based statement for the whole batch.
 */
export class AddMultiStreamAppend1732355000000 implements EventStoreMigration {
  readonly name = 'AddMultiStreamAppend1732355000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(APPEND_STREAMS_FUNCTION);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION IF EXISTS fl_append_streams(text[], text[], bigint[], text[], int[], text, text)');
  }
}

const APPEND_STREAMS_FUNCTION = `
CREATE FUNCTION fl_append_streams(
  p_stream_ids         text[],    -- distinct, non-empty
  p_expected_kinds     text[],    -- per stream: 'any' | 'no_stream' | 'revision'
  p_expected_revisions bigint[],  -- per stream: required for 'revision', else NULL
  p_idempotency_keys   text[],    -- per stream: NULL = none
  p_event_streams      int[],     -- per event: 1-based index into p_stream_ids; events grouped by stream, streams in order
  -- The canonical JSON of every event ({data,eventId,metadata,occurredAt,schemaVersion,streamId,type}), joined by
  -- newlines: canonical JSON never contains a raw newline, and one text costs a fraction of a text[] of JSON
  -- documents (no array quoting by the client, no array literal parsing by the server).
  p_events             text,
  p_notify_channel     text DEFAULT 'fl_events'
) RETURNS TABLE (
  stream_id         text,
  idempotent_replay boolean,
  global_position   bigint,
  transaction_id    xid8,
  revision          bigint,
  recorded_at       timestamptz,
  hash              bytea
) LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  v_streams  int := coalesce(cardinality(p_stream_ids), 0);
  v_texts    text[] := string_to_array(p_events, E'\n');
  v_count    int := coalesce(cardinality(v_texts), 0);
  v_xid      xid8 := pg_current_xact_id();
  v_versions bigint[];
  v_heads    bytea[];
  v_last_tx  xid8[];
  v_replay   boolean[];
  v_first    int[];
  v_sizes    int[];
  v_docs     jsonb[];
  v_hashes   bytea[] := '{}';
  v_prev     bytea;
  v_doc      text;
  v_i        int := 0;
  v_s        int;
  v_cur      int := 0;
  v_id       text;
  v_bad      record;
BEGIN
  IF v_streams = 0 OR v_count = 0 THEN
    RAISE EXCEPTION 'fl_append_streams: nothing to append' USING ERRCODE = 'FL004';
  END IF;
  IF coalesce(cardinality(p_expected_kinds), 0) <> v_streams OR coalesce(cardinality(p_expected_revisions), 0) <> v_streams
     OR coalesce(cardinality(p_idempotency_keys), 0) <> v_streams OR coalesce(cardinality(p_event_streams), 0) <> v_count THEN
    RAISE EXCEPTION 'fl_append_streams: the per-stream and per-event arrays differ in length' USING ERRCODE = 'FL004';
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(p_stream_ids) u(id) WHERE u.id IS NULL OR u.id = '')
     OR (SELECT count(DISTINCT u.id) FROM unnest(p_stream_ids) u(id)) <> v_streams THEN
    RAISE EXCEPTION 'fl_append_streams: stream ids must be non-empty and distinct' USING ERRCODE = 'FL004';
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(p_expected_kinds, p_expected_revisions) u(k, r)
              WHERE u.k IS NULL OR u.k NOT IN ('any', 'no_stream', 'revision') OR (u.k = 'revision') <> (u.r IS NOT NULL)) THEN
    RAISE EXCEPTION 'fl_append_streams: invalid expectation' USING ERRCODE = 'FL004';
  END IF;

  -- Lock the existing streams in stream id order, then create the missing ones in the same order: concurrent
  -- multi-stream appends take their locks in one order and cannot deadlock each other.
  PERFORM 1 FROM streams s WHERE s.stream_id = ANY (p_stream_ids) ORDER BY s.stream_id FOR UPDATE;
  BEGIN
    INSERT INTO streams (stream_id, version, last_hash, last_transaction_id)
    SELECT u.id, 0, NULL, v_xid FROM unnest(p_stream_ids) u(id)
     WHERE NOT EXISTS (SELECT 1 FROM streams s WHERE s.stream_id = u.id)
     ORDER BY u.id;
  EXCEPTION WHEN unique_violation THEN
    -- A concurrent append created one of them first (the INSERT waited for its commit) and the whole INSERT was
    -- undone: take the streams one by one, as fl_append_events does (create, or lock the row the other created).
    FOR v_id IN SELECT u.id FROM unnest(p_stream_ids) u(id) ORDER BY u.id LOOP
      PERFORM 1 FROM streams s WHERE s.stream_id = v_id FOR UPDATE;
      IF NOT FOUND THEN
        BEGIN
          INSERT INTO streams (stream_id, version, last_hash, last_transaction_id) VALUES (v_id, 0, NULL, v_xid);
        EXCEPTION WHEN unique_violation THEN
          PERFORM 1 FROM streams s WHERE s.stream_id = v_id FOR UPDATE;
        END;
      END IF;
    END LOOP;
  END;

  -- Stream heads in argument order. A committed stream always has version >= 1 (no append is empty), so
  -- version 0 means "created by this call".
  SELECT array_agg(s.version ORDER BY u.ord), array_agg(s.last_hash ORDER BY u.ord), array_agg(s.last_transaction_id ORDER BY u.ord),
         array_agg(k.stream_id IS NOT NULL ORDER BY u.ord)
    INTO v_versions, v_heads, v_last_tx, v_replay
    FROM unnest(p_stream_ids, p_idempotency_keys) WITH ORDINALITY u(id, key, ord)
    JOIN streams s ON s.stream_id = u.id
    LEFT JOIN stream_idempotency k ON k.stream_id = u.id AND k.idempotency_key = u.key;

  SELECT u.ord, u.id, u.kind, u.rev INTO v_bad
    FROM unnest(p_stream_ids, p_expected_kinds, p_expected_revisions) WITH ORDINALITY u(id, kind, rev, ord)
   WHERE NOT v_replay[u.ord]
     AND ((u.kind = 'no_stream' AND v_versions[u.ord] > 0) OR (u.kind = 'revision' AND v_versions[u.ord] <> u.rev))
   ORDER BY u.ord LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'stream % is at revision %, expected %', v_bad.id, v_versions[v_bad.ord],
          CASE WHEN v_bad.kind = 'no_stream' THEN 'no stream' ELSE v_bad.rev::text END
      USING ERRCODE = 'FL001', DETAIL = format('stream_index=%s actual_revision=%s', v_bad.ord, v_versions[v_bad.ord]);
  END IF;

  -- The same stale-order guard as fl_append_events (see there): retry the whole call in a new transaction.
  SELECT u.ord, u.id INTO v_bad
    FROM unnest(p_stream_ids) WITH ORDINALITY u(id, ord)
   WHERE NOT v_replay[u.ord] AND v_versions[u.ord] > 0 AND v_xid < v_last_tx[u.ord]
   ORDER BY u.ord LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'stale transaction order on stream %: transaction % is older than its last writer %, retry',
          v_bad.id, v_xid, v_last_tx[v_bad.ord]
      USING ERRCODE = 'FL002', DETAIL = format('stream_index=%s', v_bad.ord);
  END IF;

  v_docs := ARRAY(SELECT d::jsonb FROM unnest(v_texts) WITH ORDINALITY AS u(d, ord) ORDER BY ord);
  IF EXISTS (SELECT 1 FROM unnest(v_docs, p_event_streams) AS x(doc, s) WHERE x.doc->>'streamId' IS DISTINCT FROM p_stream_ids[x.s]) THEN
    RAISE EXCEPTION 'fl_append_streams: an event document names another stream than the one it is appended to'
      USING ERRCODE = 'FL004';
  END IF;

  -- The hash chains, each continuing from its stream head, over the very text the columns are read from.
  v_first := array_fill(0, ARRAY[v_streams]);
  v_sizes := array_fill(0, ARRAY[v_streams]);
  FOREACH v_doc IN ARRAY v_texts LOOP
    v_i := v_i + 1;
    v_s := p_event_streams[v_i];
    IF v_s IS DISTINCT FROM v_cur THEN
      -- Events come grouped by stream, in the order of the streams, every stream with events: 1, 1, 2, 3, 3...
      IF v_s IS DISTINCT FROM v_cur + 1 THEN
        RAISE EXCEPTION 'fl_append_streams: events must be grouped by stream, in the order of the streams, each stream with events'
          USING ERRCODE = 'FL004';
      END IF;
      v_cur := v_s;
      v_first[v_s] := v_i;
      v_prev := coalesce(v_heads[v_s], ''::bytea);
    END IF;
    v_sizes[v_s] := v_sizes[v_s] + 1;
    IF v_replay[v_s] THEN
      v_hashes := array_append(v_hashes, NULL::bytea);
    ELSE
      v_prev := sha256(v_prev || convert_to(v_doc, 'UTF8'));
      v_hashes := array_append(v_hashes, v_prev);
      v_heads[v_s] := v_prev;
    END IF;
  END LOOP;
  IF v_cur <> v_streams THEN
    RAISE EXCEPTION 'fl_append_streams: every stream needs at least one event' USING ERRCODE = 'FL004';
  END IF;

  -- Replays first: the events of the earlier append made with the same key (nothing is written for them).
  IF true = ANY (v_replay) THEN
  RETURN QUERY
    SELECT e.stream_id, true, e.global_position, e.transaction_id, e.revision, e.recorded_at, e.hash
      FROM unnest(p_stream_ids, p_idempotency_keys) WITH ORDINALITY u(id, key, ord)
      JOIN stream_idempotency k ON k.stream_id = u.id AND k.idempotency_key = u.key
      JOIN events e ON e.stream_id = u.id AND e.revision BETWEEN k.first_revision AND k.last_revision
     WHERE v_replay[u.ord]
     ORDER BY u.ord, e.revision;
  END IF;

  -- One INSERT for every new event, in argument order, so positions ascend with revisions in each stream.
  RETURN QUERY
    WITH inserted AS (
      INSERT INTO events AS e (stream_id, revision, event_id, type, schema_version, data, metadata, occurred_at, hash)
      SELECT p_stream_ids[x.s], v_versions[x.s] + x.ord - v_first[x.s] + 1, (x.doc->>'eventId')::uuid, x.doc->>'type',
             (x.doc->>'schemaVersion')::int, x.doc->'data', x.doc->'metadata', (x.doc->>'occurredAt')::timestamptz, x.hash
        FROM unnest(v_docs, v_hashes, p_event_streams) WITH ORDINALITY AS x(doc, hash, s, ord)
       WHERE NOT v_replay[x.s]
       ORDER BY x.ord
      RETURNING e.stream_id, e.global_position, e.transaction_id, e.revision, e.recorded_at, e.hash
    )
    SELECT i.stream_id, false, i.global_position, i.transaction_id, i.revision, i.recorded_at, i.hash
      FROM inserted i
     ORDER BY i.global_position;

  UPDATE streams s
     SET version = v_versions[u.ord] + v_sizes[u.ord], last_hash = v_heads[u.ord], last_transaction_id = v_xid
    FROM unnest(p_stream_ids) WITH ORDINALITY u(id, ord)
   WHERE s.stream_id = u.id AND NOT v_replay[u.ord];

  INSERT INTO stream_idempotency (stream_id, idempotency_key, first_revision, last_revision)
  SELECT u.id, u.key, v_versions[u.ord] + 1, v_versions[u.ord] + v_sizes[u.ord]
    FROM unnest(p_stream_ids, p_idempotency_keys) WITH ORDINALITY u(id, key, ord)
   WHERE u.key IS NOT NULL AND NOT v_replay[u.ord];

  IF p_notify_channel IS NOT NULL AND EXISTS (SELECT 1 FROM unnest(v_replay) r(x) WHERE NOT r.x) THEN
    PERFORM pg_notify(p_notify_channel, left(p_stream_ids[1], 1000));
  END IF;
END
$fn$;
`;
