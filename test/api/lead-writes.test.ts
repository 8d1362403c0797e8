import pg from 'pg';
import { MUTATIONS, TIMELINE_QUERY } from './graphql-client.js';
import { startTestApp } from './test-app.js';

const kind = process.env.TEST_DATABASE_KIND ?? 'embedded';

describe(`GraphQL writes on ${kind} PostgreSQL`, () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let db: pg.Client;

  beforeAll(async () => {
    app = await startTestApp();
    db = new pg.Client({ connectionString: app.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await app?.close();
  });

  const storedEvents = async (leadId: string): Promise<number> =>
    Number((await db.query('SELECT count(*) AS n FROM events WHERE stream_id = $1', [leadId])).rows[0].n);

  async function capturedLead(leadId: string, occurredAt = '2026-01-05T09:00:00Z') {
    const result = await app.gql(MUTATIONS.capture, {
      input: { leadId, channel: 'web form', origin: 'MARKETING', campaign: 'spring-webinar', occurredAt },
    });
    expect(result.errors).toBeUndefined();
    return result.data!.captureResponder;
  }

  it('records captured -> scored -> handed off -> accepted -> won, and lists the five events in the timeline', async () => {
    const headers = { 'x-actor-type': 'user', 'x-actor-id': 'alice', 'x-correlation-id': 'corr-lifecycle' };
    const leadId = 'lead-lifecycle';
    const steps: [string, Record<string, unknown>, string][] = [
      [MUTATIONS.capture, { leadId, channel: 'trade show', origin: 'MARKETING', campaign: 'CeBIT', attributes: { segment: 'mid-market' }, estimatedValue: 12000, occurredAt: '2026-01-05T09:00:00Z' }, 'captureResponder'],
      [MUTATIONS.score, { leadId, budget: 18, authority: 15, need: 20, timeframe: 12, trust: 14, model: 'bantt-v1', occurredAt: '2026-01-06T09:00:00Z' }, 'scoreLead'],
      [MUTATIONS.handOff, { leadId, ownerId: 'bob', team: 'emea', note: 'hot', occurredAt: '2026-01-06T10:00:00Z' }, 'handOffLead'],
      [MUTATIONS.accept, { leadId, by: 'bob', occurredAt: '2026-01-07T10:00:00Z' }, 'acceptLead'],
      [MUTATIONS.won, { leadId, amount: 15000, currency: 'eur', occurredAt: '2026-02-01T10:00:00Z' }, 'markLeadWon'],
    ];
    const positions: bigint[] = [];
    const stages = ['responder', 'mql', 'handed_off', 'sal', 'won'];
    for (const [index, [mutation, input, field]] of steps.entries()) {
      const result = await app.gql(mutation, { input }, headers);
      expect(result.errors).toBeUndefined();
      const payload = result.data![field];
      expect(payload.lead.stage).toBe(stages[index]);
      expect(payload.event.stageAfter).toBe(stages[index]);
      expect(payload.event.definition).toBe('default@1');
      expect(payload.event.revision).toBe(index + 1);
      expect(payload.lead.revision).toBe(index + 1);
      expect(payload.position).toBe(payload.event.position);
      expect(payload.replayed).toBe(false);
      positions.push(BigInt(payload.position));
    }

    const { data } = await app.gql(TIMELINE_QUERY, { id: leadId });
    const lead = data!.lead;
    expect(lead.status).toBe('WON');
    expect(lead.stage).toBe('won');
    expect(lead.revision).toBe(5);
    expect(lead.timeline.map((e: any) => [e.stageBefore, e.stageAfter])).toEqual([
      [null, 'responder'],
      ['responder', 'mql'],
      ['mql', 'handed_off'],
      ['handed_off', 'sal'],
      ['sal', 'won'],
    ]);
    expect(new Set(lead.timeline.map((e: any) => e.definition))).toEqual(new Set(['default@1']));
    expect(lead.timeline.map((e: any) => e.type)).toEqual(['ResponderCaptured', 'LeadScored', 'HandedOff', 'Accepted', 'Won']);
    expect(lead.timeline.map((e: any) => e.revision)).toEqual([1, 2, 3, 4, 5]);
    expect(lead.timeline.map((e: any) => BigInt(e.position))).toEqual(positions);
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(lead.timeline.map((e: any) => e.occurredAt)).toEqual([
      '2026-01-05T09:00:00.000Z',
      '2026-01-06T09:00:00.000Z',
      '2026-01-06T10:00:00.000Z',
      '2026-01-07T10:00:00.000Z',
      '2026-02-01T10:00:00.000Z',
    ]);
    for (const event of lead.timeline) {
      expect(event.actor).toEqual({ type: 'user', id: 'alice' });
      expect(event.correlationId).toBe('corr-lifecycle');
      expect(event.causationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(event.recordedAt)).toBeGreaterThan(Date.now() - 5 * 60_000);
      expect(event.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(lead.timeline[1].data).toMatchObject({ budget: 18, authority: 15, need: 20, timeframe: 12, trust: 14, total: 79, model: 'bantt-v1' });
    expect(lead.timeline[2].note).toBe('hot');
    expect(lead.timeline[4].data).toEqual({ amount: 15000, currency: 'EUR' });

    const { data: after } = await app.gql(
      `query($id: ID!) { lead(id: $id) { score ownerId team value currency capturedAt source { channel campaign origin } } }`,
      { id: leadId },
    );
    expect(after!.lead).toEqual({
      score: 79,
      ownerId: 'bob',
      team: 'emea',
      value: 15000,
      currency: 'EUR',
      capturedAt: '2026-01-05T09:00:00.000Z',
      source: { channel: 'trade show', campaign: 'CeBIT', origin: 'MARKETING' },
    });
  });

  it('classifies a timeline under a named definition and refuses an unknown one with NOT_FOUND', async () => {
    await capturedLead('lead-classified');
    await app.gql(MUTATIONS.score, { input: { leadId: 'lead-classified', budget: 10, authority: 10, need: 10, timeframe: 10, trust: 10, occurredAt: '2026-01-05T09:30:00Z' } });
    await app.gql(MUTATIONS.handOff, { input: { leadId: 'lead-classified', ownerId: 'bob', occurredAt: '2026-01-05T10:00:00Z' } });
    await app.gql(MUTATIONS.reject, { input: { leadId: 'lead-classified', by: 'bob', reason: 'no-budget', occurredAt: '2026-01-06T10:00:00Z' } });
    const query = `query($id: ID!, $def: String) { lead(id: $id) { stage timeline(definition: $def) { type stageBefore stageAfter definition } } }`;
    const named = await app.gql(query, { id: 'lead-classified', def: 'default@1' });
    expect(named.errors).toBeUndefined();
    // A score of 50 stays below the MQL threshold (75): the lead goes from responder straight to handed_off.
    expect(named.data!.lead.timeline).toEqual([
      { type: 'ResponderCaptured', stageBefore: null, stageAfter: 'responder', definition: 'default@1' },
      { type: 'LeadScored', stageBefore: 'responder', stageAfter: 'responder', definition: 'default@1' },
      { type: 'HandedOff', stageBefore: 'responder', stageAfter: 'handed_off', definition: 'default@1' },
      { type: 'Rejected', stageBefore: 'handed_off', stageAfter: null, definition: 'default@1' },
    ]);
    expect(named.data!.lead.stage).toBeNull();
    const unknown = await app.gql(query, { id: 'lead-classified', def: 'mql60@1' });
    expect(unknown.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(unknown.errors?.[0].message).toContain('mql60@1');
  });

  it('generates a lead id when the caller gives none', async () => {
    const result = await app.gql(MUTATIONS.capture, { input: { channel: 'partner', origin: 'PARTNER' } });
    expect(result.errors).toBeUndefined();
    expect(result.data!.captureResponder.lead.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(result.data!.captureResponder.lead.source.campaign).toBeNull();
  });

  it('refuses accept before hand-off with INVALID_TRANSITION and appends nothing', async () => {
    await capturedLead('lead-accept-early');
    const result = await app.gql(MUTATIONS.accept, { input: { leadId: 'lead-accept-early', by: 'bob', occurredAt: '2026-01-05T10:00:00Z' } });
    expect(result.errors?.[0].extensions?.code).toBe('INVALID_TRANSITION');
    expect(result.errors?.[0].message).toMatch(/handed off/i);
    expect(result.data).toBeNull();
    expect(await storedEvents('lead-accept-early')).toBe(1);
  });

  it('lets sales accept a lead it sourced itself without a hand-off', async () => {
    await app.gql(MUTATIONS.capture, { input: { leadId: 'lead-sales-sourced', channel: 'field sales', origin: 'SALES', occurredAt: '2026-01-05T09:00:00Z' } });
    const result = await app.gql(MUTATIONS.accept, { input: { leadId: 'lead-sales-sourced', by: 'carol', occurredAt: '2026-01-05T10:00:00Z' } });
    expect(result.errors).toBeUndefined();
    expect(result.data!.acceptLead.lead.status).toBe('ACCEPTED');
  });

  it('refuses a reject with an empty reason with BAD_USER_INPUT naming the field, and appends nothing', async () => {
    await capturedLead('lead-empty-reason');
    await app.gql(MUTATIONS.handOff, { input: { leadId: 'lead-empty-reason', ownerId: 'bob', occurredAt: '2026-01-05T10:00:00Z' } });
    const result = await app.gql(MUTATIONS.reject, { input: { leadId: 'lead-empty-reason', by: 'bob', reason: '   ', occurredAt: '2026-01-05T11:00:00Z' } });
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].extensions?.field).toBe('reason');
    expect(await storedEvents('lead-empty-reason')).toBe(2);
  });

  it('refuses a stale expectedRevision with CONCURRENCY_CONFLICT and appends nothing', async () => {
    await capturedLead('lead-stale');
    const ok = await app.gql(MUTATIONS.score, { input: { leadId: 'lead-stale', budget: 1, authority: 1, need: 1, timeframe: 1, trust: 1, expectedRevision: 1, occurredAt: '2026-01-05T10:00:00Z' } });
    expect(ok.errors).toBeUndefined();
    const stale = await app.gql(MUTATIONS.score, { input: { leadId: 'lead-stale', budget: 2, authority: 2, need: 2, timeframe: 2, trust: 2, expectedRevision: 1, occurredAt: '2026-01-05T11:00:00Z' } });
    expect(stale.errors?.[0].extensions?.code).toBe('CONCURRENCY_CONFLICT');
    expect(stale.errors?.[0].extensions?.actualRevision).toBe(2);
    expect(await storedEvents('lead-stale')).toBe(2);
  });

  it('answers NOT_FOUND for a write to an unknown lead, and null for reading it', async () => {
    const result = await app.gql(MUTATIONS.handOff, { input: { leadId: 'no-such-lead', ownerId: 'bob' } });
    expect(result.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(await storedEvents('no-such-lead')).toBe(0);
    const read = await app.gql(TIMELINE_QUERY, { id: 'no-such-lead' });
    expect(read.errors).toBeUndefined();
    expect(read.data!.lead).toBeNull();
  });

  it('refuses a lead id reserved for the ledger\'s own streams, appends nothing, and reads no lead there', async () => {
    const before = await storedEvents('$funnel-definitions');
    const capture = await app.gql(MUTATIONS.capture, { input: { leadId: '$funnel-definitions', channel: 'web', origin: 'MARKETING' } });
    expect(capture.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(capture.errors?.[0].extensions?.field).toBe('leadId');
    const handOff = await app.gql(MUTATIONS.handOff, { input: { leadId: '$funnel-definitions', ownerId: 'bob' } });
    expect(handOff.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await storedEvents('$funnel-definitions')).toBe(before);
    const read = await app.gql(TIMELINE_QUERY, { id: '$funnel-definitions' });
    expect(read.errors).toBeUndefined();
    expect(read.data!.lead).toBeNull();
  });

  it('refuses an occurredAt earlier than the lead\'s latest event with BAD_USER_INPUT', async () => {
    await capturedLead('lead-backdated', '2026-03-01T12:00:00Z');
    const result = await app.gql(MUTATIONS.score, { input: { leadId: 'lead-backdated', budget: 5, authority: 5, need: 5, timeframe: 5, trust: 5, occurredAt: '2026-03-01T11:59:59Z' } });
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].extensions?.field).toBe('occurredAt');
    expect(await storedEvents('lead-backdated')).toBe(1);
  });

  it('refuses malformed input with BAD_USER_INPUT: a DateTime without offset, a score out of range, nested attributes', async () => {
    const noOffset = await app.gql(MUTATIONS.capture, { input: { leadId: 'lead-bad', channel: 'web', origin: 'SALES', occurredAt: '2026-03-01T11:00:00' } });
    expect(noOffset.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const nested = await app.gql(MUTATIONS.capture, { input: { leadId: 'lead-bad', channel: 'web', origin: 'SALES', attributes: { region: { name: 'north' } } } });
    expect(nested.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(nested.errors?.[0].extensions?.field).toBe('attributes.region');
    expect(await storedEvents('lead-bad')).toBe(0);
    await capturedLead('lead-bad-score');
    const outOfRange = await app.gql(MUTATIONS.score, { input: { leadId: 'lead-bad-score', budget: 21, authority: 1, need: 1, timeframe: 1, trust: 1 } });
    expect(outOfRange.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(outOfRange.errors?.[0].extensions?.field).toBe('budget');
    const badActor = await app.gql(MUTATIONS.score, { input: { leadId: 'lead-bad-score', budget: 1, authority: 1, need: 1, timeframe: 1, trust: 1 } }, { 'x-actor-type': 'robot' });
    expect(badActor.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await storedEvents('lead-bad-score')).toBe(1);
  });

  it('returns the first result for a repeated idempotencyKey and stores the event once', async () => {
    await capturedLead('lead-idempotent');
    const input = { leadId: 'lead-idempotent', ownerId: 'bob', idempotencyKey: 'handoff-1', occurredAt: '2026-01-05T10:00:00Z' };
    const first = await app.gql(MUTATIONS.handOff, { input });
    const again = await app.gql(MUTATIONS.handOff, { input });
    // Even a retry that would now be refused (already handed off) or carries a stale revision returns the original.
    const stale = await app.gql(MUTATIONS.handOff, { input: { ...input, expectedRevision: 1 } });
    expect(first.errors).toBeUndefined();
    expect(again.errors).toBeUndefined();
    expect(stale.errors).toBeUndefined();
    expect(again.data!.handOffLead.event).toEqual(first.data!.handOffLead.event);
    expect(again.data!.handOffLead.position).toBe(first.data!.handOffLead.position);
    expect(again.data!.handOffLead.replayed).toBe(true);
    expect(first.data!.handOffLead.event.idempotencyKey).toBe('handoff-1');
    expect(stale.data!.handOffLead.event.eventId).toBe(first.data!.handOffLead.event.eventId);
    expect(await storedEvents('lead-idempotent')).toBe(2);
  });

  it('retries concurrent writes without expectedRevision so none is lost', async () => {
    await capturedLead('lead-concurrent');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        app.gql(MUTATIONS.score, { input: { leadId: 'lead-concurrent', budget: i, authority: 1, need: 1, timeframe: 1, trust: 1 } }),
      ),
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const revisions = results.map((r) => r.data!.scoreLead.event.revision).sort((a: number, b: number) => a - b);
    expect(revisions).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await storedEvents('lead-concurrent')).toBe(9);
  });

  it('serves /health and an offline GraphQL IDE', async () => {
    const health = await fetch(`${app.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', storage: 'external', eventStore: 'up' });

    const page = await fetch(`${app.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('GraphiQL');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBe(4);
    for (const asset of assets) {
      expect(asset.startsWith('/')).toBe(true); // no CDN: everything from this server
      const response = await fetch(`${app.baseUrl}${asset}`);
      expect(response.status).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
  });
});
