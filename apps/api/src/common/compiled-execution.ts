import type { GatewayExecutor, GatewayInterface, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { execute, isObjectType, printSchema, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/**
 * Removes the resolvers that only read the source object's property of the field's name, so that the default
 * resolution does the same. Nest's code-first schema gives every field of an object type such a resolver
 * (`rootFieldResolver`, when the field has no middleware); graphql-jit inlines a property read only for a field
 * without a resolver, and calls a resolver with a resolve-info object for every value otherwise. The 1,440 groups of
 * `slaCompliance` by OWNER carry about 25,000 such fields. Nest's reader also returns the field's `defaultValue` for
 * an undefined property; no output field here declares one (input defaults are arguments', untouched). Fields
 * with a real resolver (@ResolveField, middleware) keep it. Returns how many were dropped.
 */
export function dropPropertyReaders(schema: GraphQLSchema): number {
  let dropped = 0;
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.resolve?.name === 'rootFieldResolver') {
        field.resolve = undefined;
        dropped++;
      }
    }
  }
  return dropped;
}

/**
 * Runs queries as compiled functions (graphql-jit) instead of graphql-js's generic executor.
 *
 * Why: a large report spends more time in generic execution than in its SQL. `slaCompliance` by OWNER over
 * 12 months at 1M leads answers 1,440 groups and ~2,900 overdue cases, about 45,000 fields; graphql-js
 * resolves each through the same interpreted path (argument coercion, a resolve-info object, type checks), and
 * that was a third of the query's latency. A compiled query walks its selection set with code generated for it.
 *
 * How: Apollo Server lets a "gateway" supply the executor; this one has no remote services. Apollo still
 * parses, validates, caches documents, runs the plugins and formats errors exactly as before; only
 * execution is swapped. Mutations keep graphql-js's executor: they are small, and their serial semantics stay the
 * reference implementation's. A document the compiler refuses falls back to graphql-js too.
 *
 * Compiled queries are cached per parsed document (Apollo reuses the DocumentNode of a query text it has seen,
 * from its bounded document store), so a dashboard's repeated query compiles once; a WeakMap lets a document
 * the store evicts be collected with its compiled functions.
 */
export class CompiledQueryGateway implements GatewayInterface {
  private schema: GraphQLSchema | null = null;
  private readonly listeners = new Set<(context: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void>();
  private readonly compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();
  /** How many operations were compiled (a repeated query is compiled once). */
  compilations = 0;

  /** Called with the final schema (Nest's transformSchema) before Apollo starts; returns it, its property readers dropped. */
  readonly useSchema = (schema: GraphQLSchema): GraphQLSchema => {
    dropPropertyReaders(schema);
    this.schema = schema;
    return schema;
  };

  onSchemaLoadOrUpdate(callback: (context: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void): () => void {
    this.listeners.add(callback);
    return () => this.listeners.delete(callback);
  }

  async load(): Promise<{ executor: GatewayExecutor }> {
    const schema = this.schema;
    if (!schema) throw new Error('CompiledQueryGateway: the schema was not handed over (transformSchema must call useSchema)');
    for (const listener of this.listeners) listener({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
    return { executor: (request) => this.execute(request) };
  }

  async stop(): Promise<void> {
    this.listeners.clear();
  }

  private async execute(request: GatewayGraphQLRequestContext): Promise<ExecutionResult> {
    const { schema, document, operation, operationName, context } = request;
    const variables = request.request.variables ?? {};
    const compiled = operation.operation === 'query' ? this.compiledQuery(schema, document, operationName) : null;
    if (compiled) return compiled.query(undefined, context, variables);
    return execute({ schema, document, operationName, contextValue: context, variableValues: variables });
  }

  private compiledQuery(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): CompiledQuery | null {
    let byOperation = this.compiled.get(document);
    if (!byOperation) {
      byOperation = new Map();
      this.compiled.set(document, byOperation);
    }
    const key = operationName ?? '';
    if (byOperation.has(key)) return byOperation.get(key)!;
    this.compilations++;
    const result = compileQuery(schema, document, operationName ?? undefined);
    const compiled = isCompiledQuery(result) ? result : null;
    byOperation.set(key, compiled);
    return compiled;
  }
}
