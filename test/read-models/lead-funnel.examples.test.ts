import { ProjectionRunner } from '../../libs/projections/src/projection-runner.js';
import { LeadFunnelProjection } from '../../libs/read-models/src/index.js';
import { events as e } from '../../libs/domain/src/lead/lead.test-kit.js';
import { settled } from '../projections/helpers.js';
import { appendLead, openReadModelDb, slaCases, summaries, visits, type ReadModelDb } from './helpers.js';

const t = (iso: string) => new Date(iso);
const H = 3600;

describe('LeadFunnelProjection: hand-written leads', () => {
  let h: ReadModelDb;
  beforeAll(async () => {
    h = await openReadModelDb();
    // 2024-03-08 is a Friday, 2024-03-09 a Saturday.
    await appendLead(h.store, 'a-won', [
      e.captured({ channel: 'web', campaign: 'spring', attributes: { segment: 'smb' }, account: { name: 'Acme' }, estimatedValue: 1000 }, t('2024-03-04T09:00:00Z')),
      e.scored(80, t('2024-03-05T10:00:00Z')),
      e.handedOff({ ownerId: 'rep-1', team: 'east', estimatedValue: 2000 }, t('2024-03-08T15:00:00Z')), // Friday 15:00
      e.accepted(t('2024-03-11T09:00:00Z')),
      e.won(5000, 'USD', t('2024-03-20T12:00:00Z')),
    ]);
    await h.store.append('other-aggregate', [{ type: 'SomethingElse', schemaVersion: 1, data: { x: 1 }, occurredAt: t('2024-03-04T09:00:00Z'), metadata: { actor: { type: 'system', id: 't' }, correlationId: null, causationId: null } }], { expectedRevision: 'no_stream' });
    await appendLead(h.store, 'b-sales', [
      e.captured({ channel: 'event', origin: 'SALES', estimatedValue: 300 }, t('2024-03-04T09:00:00Z')),
      e.accepted(t('2024-03-06T09:00:00Z')),
    ]);
    await appendLead(h.store, 'c-recycle', [
      e.captured({ channel: 'web' }, t('2024-03-04T09:00:00Z')),
      e.handedOff({ ownerId: 'rep-2', team: null }, t('2024-03-09T10:00:00Z')), // Saturday 10:00
      e.rejected(t('2024-03-12T10:00:00Z')),
    ]);
    await appendLead(h.store, 'd-lost', [
      e.captured({ estimatedValue: 400 }, t('2024-03-04T09:00:00Z')),
      e.handedOff({ ownerId: 'rep-3', team: 'west' }, t('2024-03-05T09:00:00Z')),
      e.lost({ value: 700 }, t('2024-03-20T09:00:00Z')),
    ]);
    await appendLead(h.store, 'e-score', [e.captured({}, t('2024-03-04T09:00:00Z')), e.scored(50, t('2024-03-05T09:00:00Z')), e.scored(80, t('2024-03-06T09:00:00Z'))]);
    await appendLead(h.store, 'f-rejected', [
      e.captured({}, t('2024-03-04T09:00:00Z')),
      e.handedOff({ ownerId: 'rep-1' }, t('2024-03-04T10:00:00Z')),
      e.rejected(t('2024-03-04T11:00:00Z')),
    ]);
    // c-recycle continues in a later batch: the stored rejected visit is reclassified, a second case opens.
    const runner = new ProjectionRunner(h.pool, new LeadFunnelProjection(), { batchSize: 4 });
    // On a shared server other sessions' transactions hold the feed back for moments: wait until it is released.
    await settled(h.pool);
    await runner.catchUp();
    await appendLead(
      h.store,
      'c-recycle',
      [
        e.recycled(t('2024-03-13T10:00:00Z')),
        e.handedOff({ ownerId: 'rep-2', team: 'north' }, t('2024-03-14T10:00:00Z')), // Thursday 10:00
        e.accepted(t('2024-03-15T10:00:00Z')),
      ],
      3,
    );
    await settled(h.pool);
    const result = await runner.catchUp();
    expect(result.state).toBe('running');
  });
  afterAll(() => h.close());

  it('writes one summary per lead (non-lead streams ignored)', async () => {
    const rows = await summaries(h.pool);
    expect(rows.map((r) => r.leadId)).toEqual(['a-won', 'b-sales', 'c-recycle', 'd-lost', 'e-score', 'f-rejected']);
    expect(rows[0]).toEqual({
      leadId: 'a-won',
      channel: 'web',
      campaign: 'spring',
      origin: 'MARKETING',
      attributes: { segment: 'smb' },
      account: { name: 'Acme' },
      capturedAt: t('2024-03-04T09:00:00Z'),
      status: 'won',
      stage: 'won',
      ownerId: 'rep-1',
      team: 'east',
      score: 80,
      value: 5000,
      currency: 'USD',
      wonAt: t('2024-03-20T12:00:00Z'),
      wonAmount: 5000,
      funnelPosition: { stage: 'won', rejectionPending: false },
      visitCount: 5,
      slaCaseCount: 1,
      lastRevision: 5,
      lastOccurredAt: t('2024-03-20T12:00:00Z'),
    });
    const brief = rows.map((r) => [r.leadId, r.status, r.stage, r.ownerId, r.team, r.score, r.value, r.visitCount, r.slaCaseCount, r.lastRevision, r.funnelPosition]);
    expect(brief).toEqual([
      ['a-won', 'won', 'won', 'rep-1', 'east', 80, 5000, 5, 1, 5, { stage: 'won', rejectionPending: false }],
      ['b-sales', 'accepted', 'sal', null, null, null, 300, 2, 0, 2, { stage: 'sal', rejectionPending: false }],
      ['c-recycle', 'accepted', 'sal', 'rep-2', 'north', null, null, 5, 2, 6, { stage: 'sal', rejectionPending: false }],
      ['d-lost', 'lost', null, 'rep-3', 'west', null, 700, 2, 1, 3, { stage: null, rejectionPending: false }],
      ['e-score', 'new', 'mql', null, null, 80, null, 2, 0, 3, { stage: 'mql', rejectionPending: false }],
      ['f-rejected', 'rejected', null, 'rep-1', null, null, null, 2, 1, 3, { stage: null, rejectionPending: true }],
    ]);
  });

  it('writes the stage visits with exit kinds and exit values', async () => {
    const rows = (await visits(h.pool)).map((v) => [v.leadId, v.visitNumber, v.stage, v.stageOrder, v.enteredByRevision, v.exitedByRevision, v.exitKind, v.exitValue]);
    expect(rows).toEqual([
      ['a-won', 1, 'responder', 1, 1, 2, 'advanced', 1000],
      ['a-won', 2, 'mql', 2, 2, 3, 'advanced', 2000],
      ['a-won', 3, 'handed_off', 3, 3, 4, 'advanced', 2000],
      ['a-won', 4, 'sal', 4, 4, 5, 'advanced', 5000],
      ['a-won', 5, 'won', 5, 5, null, 'open', null],
      ['b-sales', 1, 'responder', 1, 1, 2, 'advanced', 300],
      ['b-sales', 2, 'sal', 4, 2, null, 'open', null],
      ['c-recycle', 1, 'responder', 1, 1, 2, 'advanced', 0],
      ['c-recycle', 2, 'handed_off', 3, 2, 3, 'recycled', 0],
      ['c-recycle', 3, 'responder', 1, 4, 5, 'advanced', 0],
      ['c-recycle', 4, 'handed_off', 3, 5, 6, 'advanced', 0],
      ['c-recycle', 5, 'sal', 4, 6, null, 'open', null],
      ['d-lost', 1, 'responder', 1, 1, 2, 'advanced', 400],
      ['d-lost', 2, 'handed_off', 3, 2, 3, 'lost', 700],
      ['e-score', 1, 'responder', 1, 1, 3, 'advanced', 0],
      ['e-score', 2, 'mql', 2, 3, null, 'open', null],
      ['f-rejected', 1, 'responder', 1, 1, 2, 'advanced', 0],
      ['f-rejected', 2, 'handed_off', 3, 2, 3, 'rejected', 0],
    ]);
    const all = await visits(h.pool);
    const c2 = all.find((v) => v.leadId === 'c-recycle' && v.visitNumber === 2)!;
    // the reclassified visit keeps the exit time of the Rejected
    expect([c2.enteredAt, c2.exitedAt]).toEqual([t('2024-03-09T10:00:00Z'), t('2024-03-12T10:00:00Z')]);
    const a4 = all.find((v) => v.leadId === 'a-won' && v.visitNumber === 4)!;
    expect([a4.enteredAt, a4.exitedAt]).toEqual([t('2024-03-11T09:00:00Z'), t('2024-03-20T12:00:00Z')]);
  });

  it('writes the SLA cases: Friday and Saturday hand-offs, resolutions and response times', async () => {
    expect(await slaCases(h.pool)).toEqual([
      {
        leadId: 'a-won',
        caseNumber: 1,
        handedOffAt: t('2024-03-08T15:00:00Z'),
        dueAt: t('2024-03-15T15:00:00Z'), // Friday 15:00 -> next Friday 15:00
        resolvedAt: t('2024-03-11T09:00:00Z'),
        resolvedBy: 'Accepted',
        ownerId: 'rep-1',
        team: 'east',
        responseWorkingSeconds: 18 * H, // Fri 15:00-24:00 + Mon 00:00-09:00
        responseCalendarSeconds: 66 * H,
      },
      {
        leadId: 'c-recycle',
        caseNumber: 1,
        handedOffAt: t('2024-03-09T10:00:00Z'),
        dueAt: t('2024-03-16T00:00:00Z'), // Saturday 10:00 -> clock starts Monday -> Saturday 00:00
        resolvedAt: t('2024-03-12T10:00:00Z'),
        resolvedBy: 'Rejected',
        ownerId: 'rep-2',
        team: null,
        responseWorkingSeconds: 34 * H, // Mon 00:00 - Tue 10:00
        responseCalendarSeconds: 72 * H,
      },
      {
        leadId: 'c-recycle',
        caseNumber: 2,
        handedOffAt: t('2024-03-14T10:00:00Z'),
        dueAt: t('2024-03-21T10:00:00Z'),
        resolvedAt: t('2024-03-15T10:00:00Z'),
        resolvedBy: 'Accepted',
        ownerId: 'rep-2',
        team: 'north',
        responseWorkingSeconds: 24 * H,
        responseCalendarSeconds: 24 * H,
      },
      {
        leadId: 'd-lost',
        caseNumber: 1,
        handedOffAt: t('2024-03-05T09:00:00Z'),
        dueAt: t('2024-03-12T09:00:00Z'),
        resolvedAt: t('2024-03-20T09:00:00Z'),
        resolvedBy: 'Lost',
        ownerId: 'rep-3',
        team: 'west',
        responseWorkingSeconds: 11 * 24 * H,
        responseCalendarSeconds: 15 * 24 * H,
      },
      {
        leadId: 'f-rejected',
        caseNumber: 1,
        handedOffAt: t('2024-03-04T10:00:00Z'),
        dueAt: t('2024-03-11T10:00:00Z'),
        resolvedAt: t('2024-03-04T11:00:00Z'),
        resolvedBy: 'Rejected',
        ownerId: 'rep-1',
        team: null,
        responseWorkingSeconds: H,
        responseCalendarSeconds: H,
      },
    ]);
  });
});
