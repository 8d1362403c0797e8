import type { GatewayExecutor, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import {
  GraphQLError,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  execute,
  getOperationAST,
  parse,
  type DocumentNode,
} from 'graphql';
import { CompiledQueryGateway, dropPropertyReaders } from './compiled-execution.js';

// A schema shaped like the reports: a list of objects with leaf fields, a field that refuses its argument with a
// coded error, and a mutation that counts how often it runs.
function reportSchema() {
  const calls = { mutations: 0, rows: 0 };
  const Row = new GraphQLObjectType({
    name: 'Row',
    fields: { key: { type: new GraphQLNonNull(GraphQLString) }, met: { type: GraphQLInt }, share: { type: GraphQLString } },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        rows: {
          type: new GraphQLList(Row),
          args: { first: { type: GraphQLInt } },
          resolve: (_root, { first }: { first?: number | null }) => {
            calls.rows++;
            if (first !== undefined && first !== null && first < 0) {
              throw new GraphQLError(`first must be >= 0, got ${first}`, { extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
            }
            const rows = [
              { key: 'ana', met: 3, share: null },
              { key: 'bo', met: 0, share: '0.5' },
            ];
            return first === undefined || first === null ? rows : rows.slice(0, first);
          },
        },
      },
    }),
    mutation: new GraphQLObjectType({
      name: 'Mutation',
      fields: { record: { type: GraphQLInt, resolve: () => ++calls.mutations } },
    }),
  });
  return { schema, calls };
}

async function gatewayFor(schema: GraphQLSchema): Promise<GatewayExecutor> {
  const gateway = new CompiledQueryGateway();
  expect(gateway.useSchema(schema)).toBe(schema);
  const seen: GraphQLSchema[] = [];
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => seen.push(apiSchema));
  const { executor } = await gateway.load();
  expect(seen).toEqual([schema]); // Apollo learns the schema from the gateway
  return executor;
}

function request(schema: GraphQLSchema, document: DocumentNode, variables?: Record<string, unknown>): GatewayGraphQLRequestContext {
  const operation = getOperationAST(document)!;
  return { schema, document, operation, operationName: null, context: {}, request: { variables } } as unknown as GatewayGraphQLRequestContext;
}

describe('CompiledQueryGateway', () => {
  it('answers a query exactly as graphql-js does, data and coded errors alike', async () => {
    const { schema } = reportSchema();
    const executor = await gatewayFor(schema);
    for (const source of ['{ rows { key met share } }', 'query($n: Int) { rows(first: $n) { key met } }']) {
      for (const variables of [{}, { n: 1 }, { n: -1 }]) {
        const document = parse(source);
        const compiled = await executor(request(schema, document, variables));
        const reference = await execute({ schema, document, variableValues: variables, contextValue: {} });
        expect(JSON.parse(JSON.stringify(compiled))).toEqual(JSON.parse(JSON.stringify(reference)));
      }
    }
    const document = parse('query($n: Int) { rows(first: $n) { key } }');
    const refused = await executor(request(schema, document, { n: -1 }));
    expect(refused.data).toEqual({ rows: null });
    expect(refused.errors).toHaveLength(1);
    expect(refused.errors![0]).toBeInstanceOf(GraphQLError); // Apollo formats it like any other
    expect(refused.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(refused.errors![0]!.path).toEqual(['rows']);
  });

  it('compiles a document once per operation and reuses it', async () => {
    const { schema, calls } = reportSchema();
    const gateway = new CompiledQueryGateway();
    gateway.useSchema(schema);
    const { executor } = await gateway.load();
    const document = parse('query A { rows { key } } query B { rows { met } }');
    const run = (operationName: string) =>
      executor({ ...request(schema, document), operationName, operation: getOperationAST(document, operationName)! } as GatewayGraphQLRequestContext);
    for (let i = 0; i < 3; i++) {
      expect((await run('A')).data).toEqual({ rows: [{ key: 'ana' }, { key: 'bo' }] });
      expect((await run('B')).data).toEqual({ rows: [{ met: 3 }, { met: 0 }] });
    }
    expect(gateway.compilations).toBe(2);
    expect(calls.rows).toBe(6);
  });

  it('runs a mutation once, through graphql-js', async () => {
    const { schema, calls } = reportSchema();
    const executor = await gatewayFor(schema);
    expect((await executor(request(schema, parse('mutation { record }')))).data).toEqual({ record: 1 });
    expect(calls.mutations).toBe(1);
  });

  it('drops the resolvers that only read a property (Nest\'s rootFieldResolver), keeps the others, and answers the same', async () => {
    // Shaped as Nest builds fields: a named reader of root[field] for plain fields, a real resolver for computed ones.
    const reader = (name: string) => {
      const rootFieldResolver = (root: Record<string, unknown>) => root[name];
      return rootFieldResolver;
    };
    const schemaWithReaders = () => {
      const Group = new GraphQLObjectType({
        name: 'Group',
        fields: {
          key: { type: GraphQLString, resolve: reader('key') },
          met: { type: GraphQLInt, resolve: reader('met') },
          label: { type: GraphQLString, resolve: (root: { key: string; met: number }) => `${root.key}: ${root.met}` },
        },
      });
      return new GraphQLSchema({
        query: new GraphQLObjectType({
          name: 'Query',
          fields: { groups: { type: new GraphQLList(Group), resolve: () => [{ key: 'ana', met: 3 }, { key: 'bo', met: 0 }] } },
        }),
      });
    };
    const document = parse('{ groups { key met label } }');
    const reference = await execute({ schema: schemaWithReaders(), document });

    const schema = schemaWithReaders();
    const executor = await gatewayFor(schema);
    const fields = (schema.getType('Group') as GraphQLObjectType).getFields();
    expect([fields.key!.resolve, fields.met!.resolve]).toEqual([undefined, undefined]);
    expect(fields.label!.resolve).toBeInstanceOf(Function);
    expect(await executor(request(schema, document))).toEqual(reference);
    expect(reference.data).toEqual({ groups: [{ key: 'ana', met: 3, label: 'ana: 3' }, { key: 'bo', met: 0, label: 'bo: 0' }] });
    expect(dropPropertyReaders(schema)).toBe(0); // nothing left to drop
  });

  it('refuses to start without the schema', async () => {
    await expect(new CompiledQueryGateway().load()).rejects.toThrow(/useSchema/);
  });
});
