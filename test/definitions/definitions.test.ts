import pg from 'pg';
import { DEFAULT_FUNNEL_DEFINITION } from '../../libs/domain/src/index.js';
import { storeKind } from '../projections/helpers.js';
import { TIMELINE_QUERY } from '../api/graphql-client.js';
import { startTestApp } from '../api/test-app.js';
import { ACTIVATE, LIST, ONE, PUBLISH, docOf, mql60Definition, untilActive } from './helpers.js';

/**
 * Funnel definitions over GraphQL: published and activated through events of their own stream, with who, when
 * and why; a published name@version never changes; activation rebuilds the live views under the definition.
 */

const ALICE = { 'x-actor-type': 'user', 'x-actor-id': 'alice', 'x-correlation-id': 'plan-q3' };
const BOB = { 'x-actor-type': 'user', 'x-actor-id': 'bob' };

describe(`funnel definitions over GraphQL on ${storeKind} PostgreSQL`, () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let db: pg.Client;
  beforeEach(async () => {
    app = await startTestApp();
    db = new pg.Client({ connectionString: app.databaseUrl });
    await db.connect();
  });
  afterEach(async () => {
    await db?.end();
    await app?.close();
  });

  const definitionEvents = async () =>
    (await db.query(`SELECT revision::int, type, data, metadata FROM events WHERE stream_id = '$funnel-definitions' ORDER BY revision`)).rows;

  it('lists the built-in default as ACTIVE before anything is published', async () => {
    const { data, errors } = await app.gql(LIST);
    expect(errors).toBeUndefined();
    expect(data!.funnelDefinitions).toEqual([
      expect.objectContaining({ name: 'default', version: 1, reference: 'default@1', active: true, status: 'ACTIVE', builtIn: true, publishedAt: null, activations: [], rebuild: null }),
    ]);
    expect(data!.funnelDefinitions[0].document.stages.map((s: any) => s.key)).toEqual(DEFAULT_FUNNEL_DEFINITION.stages.map((s) => s.key));
  });

  it('publishes a valid document with who/when/why; the identical document again records nothing; another one under the same name@version is refused', async () => {
    const before = Date.now();
    const published = await app.gql(PUBLISH, { document: docOf(mql60Definition()), reason: 'Q3: MQL at 60 points' }, ALICE);
    expect(published.errors).toBeUndefined();
    const definition = published.data!.publishFunnelDefinition;
    expect(definition).toMatchObject({
      name: 'mql60',
      version: 1,
      reference: 'mql60@1',
      active: false,
      status: 'PUBLISHED',
      builtIn: false,
      publishedBy: { type: 'user', id: 'alice' },
      reason: 'Q3: MQL at 60 points',
      activatedAt: null,
      activations: [],
    });
    expect(Date.parse(definition.publishedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(definition.document).toEqual(docOf(mql60Definition()));

    // The fact is in its own stream, hash-chained like every event, with the caller's metadata.
    const events = await definitionEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ revision: 1, type: 'FunnelDefinitionPublished', data: { reason: 'Q3: MQL at 60 points', document: { name: 'mql60', version: 1 } } });
    expect(events[0].metadata).toMatchObject({ actor: { type: 'user', id: 'alice' }, correlationId: 'plan-q3' });

    // Re-publishing the same document (keys in another order, defaults omitted) is idempotent.
    const { stages, ...rest } = docOf(mql60Definition());
    const again = await app.gql(PUBLISH, { document: { stages, ...rest }, reason: 'retry' }, BOB);
    expect(again.errors).toBeUndefined();
    expect(again.data!.publishFunnelDefinition).toMatchObject({ reference: 'mql60@1', publishedBy: { id: 'alice' }, reason: 'Q3: MQL at 60 points', publishedAt: definition.publishedAt });
    expect(await definitionEvents()).toHaveLength(1);

    // A different document under mql60@1 is a conflict; so is changing the built-in default@1.
    const changed = { ...docOf(mql60Definition()), description: 'something else' };
    const conflict = await app.gql(PUBLISH, { document: changed }, BOB);
    expect(conflict.data).toBeNull();
    expect(conflict.errors?.[0]?.extensions).toMatchObject({ code: 'DEFINITION_CONFLICT', reference: 'mql60@1' });
    const builtIn = await app.gql(PUBLISH, { document: { ...docOf(DEFAULT_FUNNEL_DEFINITION), description: 'mine' } });
    expect(builtIn.errors?.[0]?.extensions).toMatchObject({ code: 'DEFINITION_CONFLICT', reference: 'default@1' });
    expect(await definitionEvents()).toHaveLength(1);

    const list = await app.gql(LIST);
    expect(list.data!.funnelDefinitions.map((d: any) => [d.reference, d.status])).toEqual([
      ['default@1', 'ACTIVE'],
      ['mql60@1', 'PUBLISHED'],
    ]);
    const latest = await app.gql(ONE, { name: 'mql60' });
    expect(latest.data!.funnelDefinition.reference).toBe('mql60@1');
    expect((await app.gql(ONE, { name: 'mql60', version: 9 })).data!.funnelDefinition).toBeNull();
  });

  it('refuses an invalid document with BAD_USER_INPUT naming the path of every problem, and records nothing', async () => {
    const bad = docOf(mql60Definition());
    bad.stages[1].enteredBy[0].when.op = 'greater';
    bad.stages[2].key = 'Handed Off';
    bad.sla.workingDays = -3;
    bad.colour = 'blue';
    const result = await app.gql(PUBLISH, { document: bad });
    expect(result.data).toBeNull();
    const extensions = result.errors![0]!.extensions!;
    expect(extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'document' });
    expect((extensions.errors as { path: string }[]).map((e) => e.path)).toEqual(
      expect.arrayContaining(['stages[1].enteredBy[0].when.op', 'stages[2].key', 'sla.workingDays', 'colour']),
    );
    expect(result.errors![0]!.message).toContain('stages[1].enteredBy[0].when.op');
    const notAnObject = await app.gql(PUBLISH, { document: [1, 2] });
    expect(notAnObject.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: [expect.objectContaining({ path: '$' })] });
    expect(await definitionEvents()).toEqual([]);
  });

  it('activating an unknown definition is NOT_FOUND; activating the live one records nothing', async () => {
    const unknown = await app.gql(ACTIVATE, { name: 'nope', version: 1 });
    expect(unknown.data).toBeNull();
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const same = await app.gql(ACTIVATE, { name: 'default', version: 1, reason: 'again' });
    expect(same.errors).toBeUndefined();
    expect(same.data!.activateFunnelDefinition).toMatchObject({ reference: 'default@1', status: 'ACTIVE', activations: [], rebuild: null });
    expect(await definitionEvents()).toEqual([]);
  });

  it('activates a published definition: the live views are rebuilt under it, then queries, leads and timelines follow; the audit trail says who, when and why', async () => {
    // Two leads scored 65: an MQL under mql60@1, not under default@1.
    for (const leadId of ['l-65a', 'l-65b']) {
      for (const [mutation, input] of [
        ['captureResponder', { leadId, channel: 'web form', origin: 'MARKETING' }],
        ['scoreLead', { leadId, budget: 15, authority: 15, need: 15, timeframe: 10, trust: 10 }],
      ] as const) {
        const result = await app.gql(`mutation M($input: ${mutation === 'captureResponder' ? 'CaptureResponderInput' : 'ScoreLeadInput'}!) { ${mutation}(input: $input) { position } }`, { input });
        expect(result.errors).toBeUndefined();
      }
    }
    expect((await app.gql(`{ lead(id: "l-65a") { stage } }`)).data!.lead.stage).toBe('responder');

    await app.gql(PUBLISH, { document: docOf(mql60Definition()), reason: 'lower bar' }, ALICE);
    // The timeline re-classifies the lead under any published definition, before any activation.
    const underMql60 = await app.gql(`query T($id: ID!) { lead(id: $id) { timeline(definition: "mql60@1") { type stageBefore stageAfter definition } } }`, { id: 'l-65a' });
    expect(underMql60.errors).toBeUndefined();
    expect(underMql60.data!.lead.timeline).toEqual([
      { type: 'ResponderCaptured', stageBefore: null, stageAfter: 'responder', definition: 'mql60@1' },
      { type: 'LeadScored', stageBefore: 'responder', stageAfter: 'mql_60', definition: 'mql60@1' },
    ]);
    const byName = await app.gql(`{ lead(id: "l-65a") { timeline(definition: "mql60") { stageAfter definition } } }`);
    expect(byName.data!.lead.timeline[1]).toEqual({ stageAfter: 'mql_60', definition: 'mql60@1' });

    const activated = await app.gql(ACTIVATE, { name: 'mql60', version: 1, reason: 'Q3 plan' }, BOB);
    expect(activated.errors).toBeUndefined();
    const pending = activated.data!.activateFunnelDefinition;
    // Until the swap, the previous definition stays live: either still activating, or (on a fast machine) done.
    expect(['ACTIVATING', 'ACTIVE']).toContain(pending.status);
    if (pending.status === 'ACTIVATING') expect(pending.rebuild).toMatchObject({ version: 2 });
    expect(pending.activations).toEqual([expect.objectContaining({ activatedBy: { type: 'user', id: 'bob' }, reason: 'Q3 plan' })]);
    // A retry records nothing more.
    await app.gql(ACTIVATE, { name: 'mql60', version: 1, reason: 'Q3 plan' }, BOB);
    expect((await definitionEvents()).map((e) => e.type)).toEqual(['FunnelDefinitionPublished', 'FunnelDefinitionActivated']);

    const live = await untilActive(app.gql, 'mql60', 1);
    expect(live).toMatchObject({ active: true, rebuild: null, reason: 'lower bar', publishedBy: { id: 'alice' } });
    expect(Date.parse(live.liveSince)).toBeGreaterThanOrEqual(Date.parse(live.activatedAt));
    const { rows } = await db.query(`SELECT version, state, config->'definition'->>'name' AS name FROM projection_versions WHERE projection = 'lead_funnel' ORDER BY version`);
    expect(rows).toEqual([
      { version: 1, state: 'retired', name: null },
      { version: 2, state: 'active', name: 'mql60' },
    ]);
    const list = await app.gql(LIST);
    expect(list.data!.funnelDefinitions.map((d: any) => [d.reference, d.status])).toEqual([
      ['default@1', 'RETIRED'],
      ['mql60@1', 'ACTIVE'],
    ]);

    // The lead's stage and its default timeline follow the live definition; the live tables hold its stage keys.
    const lead = await app.gql(TIMELINE_QUERY, { id: 'l-65b' });
    expect(lead.data!.lead.stage).toBe('mql_60');
    expect(lead.data!.lead.timeline.map((e: any) => [e.stageAfter, e.definition])).toEqual([
      ['responder', 'mql60@1'],
      ['mql_60', 'mql60@1'],
    ]);
    const { rows: visits } = await db.query(`SELECT stage, count(*)::int AS n FROM rm_stage_visits GROUP BY stage ORDER BY stage`);
    expect(visits).toEqual([
      { stage: 'mql_60', n: 2 },
      { stage: 'responder', n: 2 },
    ]);
    // A plain rebuild keeps the live definition.
    const rebuilt = await app.gql(`mutation { rebuildProjection(name: "lead_funnel") { rebuild { version } } }`);
    expect(rebuilt.errors).toBeUndefined();
    const { rows: v3 } = await db.query(`SELECT config->'definition'->>'name' AS name FROM projection_versions WHERE projection = 'lead_funnel' AND version = 3`);
    expect(v3).toEqual([{ name: 'mql60' }]);

    // Going back is another audited activation.
    const back = await app.gql(ACTIVATE, { name: 'default', version: 1, reason: 'revert' }, ALICE);
    expect(back.errors).toBeUndefined();
    await untilActive(app.gql, 'default', 1);
    expect((await app.gql(`{ lead(id: "l-65b") { stage } }`)).data!.lead.stage).toBe('responder');
    const history = (await app.gql(ONE, { name: 'default', version: 1 })).data!.funnelDefinition;
    expect(history.activations).toEqual([expect.objectContaining({ activatedBy: { type: 'user', id: 'alice' }, reason: 'revert', correlationId: 'plan-q3' })]);
    expect(Number(history.activations[0].position)).toBeGreaterThan(0);
  });
});
