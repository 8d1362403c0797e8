import { canonicalEvent, eventHash } from './canonical-json.js';
import { ChainVerifier, type ChainRow } from './verify.js';

/** A well-formed stream of n events, as the database would return its rows. */
function stream(id: string, n: number): ChainRow[] {
  const rows: ChainRow[] = [];
  let previous: string | null = null;
  for (let revision = 1; revision <= n; revision++) {
    const fields = {
      eventId: `01900000-0000-7000-8000-${String(revision).padStart(12, '0')}`,
      streamId: id,
      type: 'T',
      schemaVersion: 1,
      data: { revision },
      metadata: {},
      occurredAt: new Date(0),
    };
    previous = eventHash(previous, canonicalEvent(fields));
    rows.push({
      stream_id: id,
      revision: String(revision),
      event_id: fields.eventId,
      type: 'T',
      schema_version: 1,
      data: fields.data,
      metadata: {},
      occurred_at: fields.occurredAt,
      hash: previous,
      stream_version: String(n),
      stream_last_hash: null,
    });
  }
  for (const row of rows) row.stream_last_hash = previous;
  return rows;
}

function verify(rows: ChainRow[]) {
  const verifier = new ChainVerifier();
  rows.every((row) => verifier.push(row));
  verifier.endOfRows();
  return verifier.report();
}

describe('ChainVerifier', () => {
  it('accepts intact chains and counts streams and events', () => {
    expect(verify([...stream('a', 3), ...stream('b', 2)])).toEqual({ ok: true, streamsChecked: 2, eventsChecked: 5, firstBrokenLink: null });
  });

  it('reports the first changed event', () => {
    const rows = [...stream('a', 3), ...stream('b', 3)];
    rows[4]!.data = { revision: 99 };
    rows[5]!.data = { revision: 98 };
    expect(verify(rows).firstBrokenLink).toMatchObject({ streamId: 'b', revision: 2, reason: 'hash_mismatch', storedHash: rows[4]!.hash });
  });

  it('reports a missing revision and a missing tail', () => {
    const gap = stream('a', 4);
    gap.splice(1, 2);
    expect(verify(gap).firstBrokenLink).toMatchObject({ revision: 4, reason: 'missing_revision', message: 'stream a: revision 2..3 is missing before revision 4' });
    expect(verify(stream('a', 3).slice(0, 2)).firstBrokenLink).toMatchObject({ revision: 3, reason: 'missing_revision' });
  });

  it('reports a head that disagrees with the last event', () => {
    const rows = stream('a', 2);
    for (const row of rows) row.stream_last_hash = '00';
    expect(verify(rows).firstBrokenLink).toMatchObject({ revision: 2, reason: 'head_mismatch' });
  });
});
