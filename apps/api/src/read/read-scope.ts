import { Inject, Injectable } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import type pg from 'pg';
import { ValidationError, definitionRef, type FunnelDefinition } from '../../../../libs/domain/src/index.js';
import type { Queryable } from '../../../../libs/event-store/src/index.js';
import { activeVersionOf, isolatedBuild, touchIsolatedBuild, type IsolatedBuild } from '../../../../libs/projections/src/index.js';
import { FunnelDefinitions } from '../funnel/funnel-definitions.js';
import { AsOfBuilds } from '../scenarios/as-of-builds.js';
import { LedgerStorage } from '../storage/ledger-storage.js';
import { awaitMinPosition } from './consistency.js';
import { definitionOfConfig } from './definition-config.js';

/** The projection every read query answers from. */
export const READ_PROJECTION = 'lead_funnel';

/** A pool-like handle whose SQL names the scope's `rm_*` tables (see `qualifyReadModels`). */
export interface ScopedDb extends Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(config: pg.QueryConfig<unknown[]>): Promise<pg.QueryResult<R>>;
}

/**
 * What one read request answers from, resolved once per request: the schema holding the read-model tables and
 * the funnel definition they were built under.
 * - LIVE: the active version of lead_funnel (its definition from projection_versions.config, else the app's
 *   initial definition);
 * - SCENARIO: a completed what-if replay (runScenario);
 * - AS_OF: a knowledge-time build from the events recorded at or before `asOf`.
 */
export interface ReadScope {
  kind: 'LIVE' | 'SCENARIO' | 'AS_OF';
  schema: string;
  definition: FunnelDefinition;
  /** name@version of the definition. */
  reference: string;
  /** Runs SQL against this scope's tables. */
  db: ScopedDb;
  scenarioId: string | null;
  asOf: Date | null;
}

/** The arguments every read query takes to choose its scope. */
export interface ScopeArgs {
  scenarioId?: string | null;
  asOf?: Date | null;
  /** A definition reference the caller expects the answer to be built under (checked, never substituted). */
  definition?: string | null;
  minPosition?: string | null;
}

const READ_MODEL_TABLE = /(?<![\w."])rm_[a-z0-9_]+/g;
const qualified = new Map<string, string>();
const QUALIFIED_CACHE_LIMIT = 2000;

/**
 * The SQL with every unqualified `rm_*` name prefixed by the schema, cached per (schema, text): the read
 * queries' texts are constants, so this is a handful of entries per scope. Qualifying (instead of SET
 * search_path) keeps parallel queries of one request on different pooled connections correct, and every
 * statement of a request on the same version even if a blue/green swap happens meanwhile.
 */
export function qualifyReadModels(text: string, schema: string): string {
  const key = `${schema}\u0000${text}`;
  let result = qualified.get(key);
  if (result === undefined) {
    if (!/^[a-z][a-z0-9_]*$/.test(schema)) throw new Error(`qualifyReadModels: invalid schema name ${JSON.stringify(schema)}`);
    result = text.replace(READ_MODEL_TABLE, (name) => `"${schema}".${name}`);
    if (qualified.size >= QUALIFIED_CACHE_LIMIT) qualified.clear();
    qualified.set(key, result);
  }
  return result;
}

export function scopedDb(pool: pg.Pool, schema: string): ScopedDb {
  return {
    query(textOrConfig: string | pg.QueryConfig<unknown[]>, values?: unknown[]) {
      if (typeof textOrConfig === 'string') return pool.query(qualifyReadModels(textOrConfig, schema), values);
      const config = { ...textOrConfig, text: qualifyReadModels(textOrConfig.text, schema) };
      // A named statement is prepared once per connection: one name per schema.
      if (config.name) config.name = `${config.name}@${schema}`;
      return pool.query(config);
    },
  } as ScopedDb;
}

const UNDEFINED_TABLE = '42P01';

/**
 * Resolves the scope of a read request (see ReadScope) and checks the scope arguments: `scenarioId` unknown ->
 * NOT_FOUND, not completed -> SCENARIO_NOT_READY (with its status and progress); `asOf` together with
 * `scenarioId` or `minPosition` -> BAD_USER_INPUT; a `definition` other than the one the scope was built under
 * -> DEFINITION_NOT_BUILT (an answer under one definition is never computed from tables built under another:
 * run a scenario with it and pass its id).
 */
@Injectable()
export class ReadScopes {
  constructor(
    @Inject(LedgerStorage) private readonly storage: LedgerStorage,
    @Inject(FunnelDefinitions) private readonly definitions: FunnelDefinitions,
    @Inject(AsOfBuilds) private readonly asOfBuilds: AsOfBuilds,
  ) {}

  /**
   * Runs `work` in the request's scope. A live read whose version was swapped out and dropped between
   * resolving and querying (42P01) is run once more in the new live scope.
   */
  async run<T>(args: ScopeArgs, work: (scope: ReadScope) => Promise<T>): Promise<T> {
    const scope = await this.resolve(args);
    try {
      return await work(scope);
    } catch (error) {
      if (scope.kind !== 'LIVE' || (error as { code?: unknown } | null)?.code !== UNDEFINED_TABLE) throw error;
      return work(await this.live());
    }
  }

  async resolve(args: ScopeArgs): Promise<ReadScope> {
    const scenarioId = args.scenarioId ?? null;
    const asOf = args.asOf ?? null;
    if (scenarioId !== null && asOf !== null) {
      throw new ValidationError('asOf', 'asOf and scenarioId cannot be combined: a scenario replays the ledger as of its start');
    }
    if ((scenarioId !== null || asOf !== null) && args.minPosition !== null && args.minPosition !== undefined) {
      throw new ValidationError('minPosition', 'minPosition applies to live reads only (a scenario or an as-of build does not follow new writes)');
    }
    let scope: ReadScope;
    if (scenarioId !== null) {
      scope = await this.scenario(scenarioId);
    } else if (asOf !== null) {
      if (Number.isNaN(asOf.getTime())) throw new ValidationError('asOf', 'asOf must be a valid date-time');
      const build = await this.asOfBuilds.scopeAt(asOf);
      scope = build === 'live' ? await this.live() : this.fromBuild(build, 'AS_OF');
    } else {
      await awaitMinPosition(this.storage.pool, [READ_PROJECTION], args.minPosition);
      scope = await this.live();
    }
    this.checkDefinition(scope, args.definition);
    return scope;
  }

  /** The live scope: the active version of lead_funnel and the definition it was built under. */
  async live(): Promise<ReadScope> {
    const active = await activeVersionOf(this.storage.pool, READ_PROJECTION);
    if (!active) throw new Error(`${READ_PROJECTION} has no active version: run the migrations`);
    const definition = definitionOfConfig(active.config) ?? this.initialDefinition();
    return {
      kind: 'LIVE',
      schema: active.schema,
      definition,
      reference: definitionRef(definition),
      db: scopedDb(this.storage.pool, active.schema),
      scenarioId: null,
      asOf: null,
    };
  }

  /** The definition of the live views when their version's config is null: the one the app started with. */
  initialDefinition(): FunnelDefinition {
    return this.definitions.initial();
  }

  private async scenario(id: string): Promise<ReadScope> {
    const build = await isolatedBuild(this.storage.pool, id);
    if (!build || build.kind !== 'SCENARIO') {
      throw new GraphQLError(`Scenario ${JSON.stringify(id)} does not exist`, { extensions: { code: 'NOT_FOUND', field: 'scenarioId' } });
    }
    if (build.status !== 'COMPLETED') {
      throw new GraphQLError(
        build.status === 'RUNNING'
          ? `Scenario ${id} is still replaying (${build.processedEvents} of ${build.totalEvents} events): ask again when its status is COMPLETED`
          : `Scenario ${id} is ${build.status}: it has no figures (run it again)`,
        {
          extensions: {
            code: 'SCENARIO_NOT_READY',
            scenarioId: id,
            status: build.status,
            processedEvents: build.processedEvents,
            totalEvents: build.totalEvents,
            progress: progressOf(build),
          },
        },
      );
    }
    void touchIsolatedBuild(this.storage.pool, id).catch(() => undefined);
    return this.fromBuild(build, 'SCENARIO');
  }

  private fromBuild(build: IsolatedBuild, kind: 'SCENARIO' | 'AS_OF'): ReadScope {
    const definition = definitionOfConfig({ definition: build.definition });
    if (!definition) throw new Error(`isolated build ${build.id}: its stored definition is not valid any more`);
    return {
      kind,
      schema: build.schema,
      definition,
      reference: definitionRef(definition),
      db: scopedDb(this.storage.pool, build.schema),
      scenarioId: kind === 'SCENARIO' ? build.id : null,
      asOf: build.asOf,
    };
  }

  private checkDefinition(scope: ReadScope, reference: string | null | undefined): void {
    if (reference === null || reference === undefined || reference.trim() === '' || reference.trim() === scope.reference) return;
    const requested = this.definitions.resolve(reference); // NOT_FOUND for an unknown definition
    if (definitionRef(requested) === scope.reference) return; // a bare name resolving to the scope's definition
    throw new GraphQLError(
      `These figures are built under ${scope.reference}, not ${definitionRef(requested)}: run a scenario with that definition (runScenario) and pass its scenarioId`,
      { extensions: { code: 'DEFINITION_NOT_BUILT', field: 'definition', builtUnder: scope.reference } },
    );
  }
}

/** progress 0..1 of a build (1 when there was nothing to replay). */
export function progressOf(build: Pick<IsolatedBuild, 'processedEvents' | 'totalEvents' | 'status'>): number {
  if (build.status === 'COMPLETED') return 1;
  if (build.totalEvents === 0) return 0;
  return Math.min(1, build.processedEvents / build.totalEvents);
}
