import { Inject, Injectable } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { ValidationError, definitionRef, validateFunnelDefinition, type FunnelDefinition } from '../../../../libs/domain/src/index.js';
import {
  IsolatedBuildNotFoundError,
  IsolatedBuildRunningError,
  activeVersionOf,
  cancelIsolatedBuild,
  createIsolatedBuild,
  deleteIsolatedBuild,
  isolatedBuild,
  isolatedBuilds,
  type IsolatedBuild,
  type RunIsolatedBuildOutcome,
} from '../../../../libs/projections/src/index.js';
import { LedgerStorage } from '../storage/ledger-storage.js';
import { BuildDriver, type DriveOptions } from './build-driver.js';

const MAX_NAME_LENGTH = 200;

/** The definition document is not a valid funnel definition: every problem with its JSON path. */
export class InvalidScenarioDefinitionError extends GraphQLError {
  constructor(readonly errors: readonly { path: string; message: string }[]) {
    super(`definition is not a valid funnel definition: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, {
      extensions: { code: 'BAD_USER_INPUT', field: 'definition', path: errors[0]?.path ?? '$', errors },
    });
  }
}

/**
 * What-if scenarios: the full history replayed under a candidate funnel definition into isolated tables
 * (libs/projections isolated-builds.ts), never touching the live read models. The replay covers the ledger up
 * to its head when the scenario starts (totalEvents); events recorded later are not in the scenario. It runs
 * in the process that started it (the API for runScenario, the CLI for `ledger scenario run`); a process
 * running projections resumes it if that process stops.
 *
 * Cancel stops it (any process; after the batch in flight) and drops its tables; delete refuses a RUNNING
 * scenario (SCENARIO_RUNNING: cancel first) and removes a finished one entirely.
 */
@Injectable()
export class ScenarioService {
  constructor(
    @Inject(LedgerStorage) private readonly storage: LedgerStorage,
    @Inject(BuildDriver) private readonly driver: BuildDriver,
  ) {}

  /** Validates the inputs; throws BAD_USER_INPUT naming the path of every problem of the definition. */
  validate(name: string, document: unknown): { name: string; definition: FunnelDefinition } {
    const trimmed = typeof name === 'string' ? name.trim() : '';
    if (trimmed.length === 0 || trimmed.length > MAX_NAME_LENGTH) throw new ValidationError('name', `name must be 1 to ${MAX_NAME_LENGTH} characters`);
    const validated = validateFunnelDefinition(document);
    if (!validated.ok) throw new InvalidScenarioDefinitionError(validated.errors);
    return { name: trimmed, definition: validated.definition };
  }

  /** Registers the scenario (its empty tables, target = the feed head now) without starting the replay. */
  async create(name: string, document: unknown, createdBy: string | null): Promise<IsolatedBuild> {
    const valid = this.validate(name, document);
    const active = await activeVersionOf(this.storage.pool, 'lead_funnel');
    if (!active) throw new Error('lead_funnel has no active version: run the migrations');
    return createIsolatedBuild(this.storage.pool, {
      kind: 'SCENARIO',
      projection: 'lead_funnel',
      sourceSchema: active.schema,
      name: valid.name,
      definition: valid.definition,
      definitionRef: definitionRef(valid.definition),
      createdBy,
    });
  }

  /** runScenario: creates it and replays it in the background of this process; returns it RUNNING. */
  async start(name: string, document: unknown, createdBy: string | null): Promise<IsolatedBuild> {
    const build = await this.create(name, document, createdBy);
    void this.driver.drive(build).catch(() => undefined);
    return build;
  }

  /** Replays it in this process and resolves when it ends (the CLI: progress, Ctrl-C cancels). */
  replay(build: IsolatedBuild, options: DriveOptions = {}): Promise<RunIsolatedBuildOutcome> {
    return this.driver.drive(build, options);
  }

  async get(id: string): Promise<IsolatedBuild | null> {
    const build = await isolatedBuild(this.storage.pool, id);
    return build?.kind === 'SCENARIO' ? build : null;
  }

  /** A scenario, or NOT_FOUND. */
  async require(id: string): Promise<IsolatedBuild> {
    const build = await this.get(id);
    if (!build) throw notFound(id);
    return build;
  }

  list(): Promise<IsolatedBuild[]> {
    return isolatedBuilds(this.storage.pool, 'SCENARIO');
  }

  /** Stops a running scenario (CANCELLED, tables dropped); a finished one is returned unchanged. */
  async cancel(id: string): Promise<IsolatedBuild> {
    await this.require(id);
    try {
      return await cancelIsolatedBuild(this.storage.pool, id);
    } catch (error) {
      throw error instanceof IsolatedBuildNotFoundError ? notFound(id) : error;
    }
  }

  /** Removes a scenario that is not running (its tables, checkpoint and registry row); SCENARIO_RUNNING while it runs. */
  async delete(id: string): Promise<IsolatedBuild> {
    await this.require(id);
    try {
      return await deleteIsolatedBuild(this.storage.pool, id);
    } catch (error) {
      if (error instanceof IsolatedBuildNotFoundError) throw notFound(id);
      if (error instanceof IsolatedBuildRunningError) throw new GraphQLError(error.message, { extensions: { code: error.code, scenarioId: id } });
      throw error;
    }
  }
}

function notFound(id: string): GraphQLError {
  return new GraphQLError(`Scenario ${JSON.stringify(id)} does not exist`, { extensions: { code: 'NOT_FOUND', field: 'id' } });
}
