import { buildClientSchema, getIntrospectionQuery, isEnumType, isInputObjectType, isObjectType, type IntrospectionQuery } from 'graphql';
import { startTestApp } from './test-app.js';

// Frontend teams code against the schema: every type, field, argument and enum value is described, and the
// stable names of shared/api-contract.md are present with their types.
describe('the GraphQL schema', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let schema: ReturnType<typeof buildClientSchema>;

  beforeAll(async () => {
    app = await startTestApp();
    const { data, errors } = await app.gql<IntrospectionQuery>(getIntrospectionQuery({ descriptions: true }));
    expect(errors).toBeUndefined();
    schema = buildClientSchema(data!);
  });
  afterAll(async () => app?.close());

  it('describes every type, field, argument and enum value of ours', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('has the contract\'s mutations, inputs and result types', () => {
    const mutation = schema.getMutationType()!.getFields();
    const contract: Record<string, string> = {
      captureResponder: 'CaptureResponderInput!',
      scoreLead: 'ScoreLeadInput!',
      handOffLead: 'HandOffLeadInput!',
      acceptLead: 'AcceptLeadInput!',
      rejectLead: 'RejectLeadInput!',
      recycleLead: 'RecycleLeadInput!',
      markLeadLost: 'MarkLeadLostInput!',
      markLeadWon: 'MarkLeadWonInput!',
      advanceLeadStage: 'AdvanceLeadStageInput!',
    };
    for (const [name, input] of Object.entries(contract)) {
      expect(mutation[name]?.type.toString()).toBe('LeadMutationResult!');
      expect(mutation[name].args.map((a) => `${a.name}: ${a.type}`)).toEqual([`input: ${input}`]);
      const fields = (schema.getType(input.replace('!', '')) as any).getFields();
      expect(fields.occurredAt.type.toString()).toBe('DateTime');
      expect(fields.expectedRevision.type.toString()).toBe('Int');
      expect(fields.idempotencyKey.type.toString()).toBe('String');
    }
    const fieldTypes = (typeName: string) =>
      Object.fromEntries(Object.values((schema.getType(typeName) as any).getFields()).map((f: any) => [f.name, f.type.toString()]));
    expect(fieldTypes('LeadMutationResult')).toMatchObject({ lead: 'Lead!', event: 'LeadEvent!', position: 'String!' });
    expect(fieldTypes('CaptureResponderInput')).toMatchObject({
      channel: 'String!', origin: 'Origin!', leadId: 'ID', campaign: 'String', account: 'AccountInput', contact: 'ContactInput', attributes: 'JSON', estimatedValue: 'Float',
    });
    expect(fieldTypes('ScoreLeadInput')).toMatchObject({ leadId: 'ID!', budget: 'Int!', authority: 'Int!', need: 'Int!', timeframe: 'Int!', trust: 'Int!', model: 'String' });
    expect(fieldTypes('HandOffLeadInput')).toMatchObject({ ownerId: 'String!', team: 'String', note: 'String', estimatedValue: 'Float' });
    expect(fieldTypes('RejectLeadInput')).toMatchObject({ by: 'String!', reason: 'String!', note: 'String' });
    expect(fieldTypes('RecycleLeadInput')).toMatchObject({ reason: 'String!', toStage: 'String', note: 'String' });
    expect(fieldTypes('MarkLeadLostInput')).toMatchObject({ reason: 'String!', value: 'Float', competitor: 'String', note: 'String' });
    expect(fieldTypes('MarkLeadWonInput')).toMatchObject({ amount: 'Float!', currency: 'String' });
    expect(fieldTypes('AdvanceLeadStageInput')).toMatchObject({ step: 'String!', value: 'Float', note: 'String' });
    expect(fieldTypes('AccountInput')).toMatchObject({ name: 'String', domain: 'String', industry: 'String', employees: 'Int', country: 'String' });
    expect(fieldTypes('ContactInput')).toMatchObject({ name: 'String', email: 'String', title: 'String' });
    expect(Object.keys(fieldTypes('Lead'))).toEqual(
      expect.arrayContaining(['id', 'stage', 'status', 'revision', 'source', 'score', 'ownerId', 'capturedAt', 'value', 'timeline']),
    );
    expect(fieldTypes('LeadEvent')).toMatchObject({
      eventId: 'ID!', type: 'String!', revision: 'Int!', position: 'String!', occurredAt: 'DateTime!', recordedAt: 'DateTime!', actor: 'Actor!',
      reason: 'String', note: 'String', data: 'JSON!', stageBefore: 'String', stageAfter: 'String', definition: 'String!',
    });
    expect(fieldTypes('Actor')).toEqual({ type: 'String!', id: 'String!' });
    expect(fieldTypes('LeadSource')).toMatchObject({ channel: 'String!', campaign: 'String', origin: 'Origin!' });
    const origin = schema.getType('Origin');
    expect(isEnumType(origin) && origin.getValues().map((v) => v.name)).toEqual(['MARKETING', 'PARTNER', 'SALES']);
    const leadQuery = schema.getQueryType()!.getFields().lead;
    expect(leadQuery.type.toString()).toBe('Lead');
    expect(leadQuery.args.map((a) => `${a.name}: ${a.type}`)).toEqual(['id: ID!']);
    const timeline = (schema.getType('Lead') as any).getFields().timeline;
    expect(timeline.type.toString()).toBe('[LeadEvent!]!');
    expect(timeline.args.map((a: any) => `${a.name}: ${a.type}`)).toEqual(['definition: String']);
  });

  it('has the contract\'s funnel definitions, replay and read-query arguments', () => {
    const query = schema.getQueryType()!.getFields();
    const mutation = schema.getMutationType()!.getFields();
    const fieldTypes = (typeName: string) =>
      Object.fromEntries(Object.values((schema.getType(typeName) as any).getFields()).map((f: any) => [f.name, f.type.toString()]));
    const args = (field: any) => Object.fromEntries(field.args.map((a: any) => [a.name, a.type.toString()]));

    expect(query.funnelDefinitions.type.toString()).toBe('[FunnelDefinition!]!');
    expect(fieldTypes('FunnelDefinition')).toMatchObject({ name: 'String!', version: 'Int!', active: 'Boolean!', document: 'JSON!', publishedAt: 'DateTime' });
    expect(args(mutation.publishFunnelDefinition)).toMatchObject({ document: 'JSON!' });
    expect(args(mutation.activateFunnelDefinition)).toMatchObject({ name: 'String!', version: 'Int!' });

    expect(args(mutation.runScenario)).toEqual({ input: 'RunScenarioInput!' });
    expect(fieldTypes('RunScenarioInput')).toMatchObject({ name: 'String!', definition: 'JSON!' });
    expect(mutation.runScenario.type.toString()).toBe('Scenario!');
    expect(fieldTypes('Scenario')).toMatchObject({
      id: 'ID!', name: 'String!', progress: 'Float!', processedEvents: 'Int!', totalEvents: 'Int!', definition: 'JSON!', startedAt: 'DateTime!', finishedAt: 'DateTime',
    });
    expect(Object.keys(fieldTypes('Scenario'))).toContain('status');
    expect(args(query.scenario)).toEqual({ id: 'ID!' });
    expect(args(query.compareScenarios)).toMatchObject({ baseline: 'ID', candidate: 'ID!', from: 'DateTime!', to: 'DateTime!', granularity: 'Granularity!' });

    for (const name of ['waterfall', 'funnelCohorts', 'slaCompliance', 'sourceComparison']) {
      expect(args(query[name])).toMatchObject({ definition: 'String', scenarioId: 'ID', asOf: 'DateTime' });
    }
  });
});
