import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';
import type { IsolatedBuild } from '../../../../libs/projections/src/index.js';
import { progressOf } from '../read/read-scope.js';

export enum ScenarioStatus {
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(ScenarioStatus, {
  name: 'ScenarioStatus',
  description: 'Where a scenario\'s replay stands.',
  valuesMap: {
    RUNNING: { description: 'Replaying the history into its own tables; read queries with its id answer SCENARIO_NOT_READY.' },
    COMPLETED: { description: 'Replayed up to its target: read queries with its id answer from its tables.' },
    FAILED: { description: 'Stopped on an error (see error); its tables were dropped.' },
    CANCELLED: { description: 'Cancelled; its tables were dropped.' },
  },
});

@ObjectType({
  description:
    'A what-if replay of the ledger under a candidate funnel definition, into tables of its own (live read models are never written). ' +
    'It covers the events recorded up to its start (totalEvents); later events are not in it.',
})
export class Scenario {
  @Field(() => ID, { description: 'Scenario id: pass it as scenarioId to the read queries.' })
  id!: string;
  @Field({ description: 'The name given to runScenario.' })
  name!: string;
  @Field(() => ScenarioStatus, { description: 'RUNNING, COMPLETED, FAILED or CANCELLED.' })
  status!: ScenarioStatus;
  @Field(() => Float, { description: 'processedEvents / totalEvents, 0..1 (1 once COMPLETED).' })
  progress!: number;
  @Field(() => Int, { description: 'Events replayed so far.' })
  processedEvents!: number;
  @Field(() => Int, { description: 'Events in the ledger up to the scenario\'s start: what it replays.' })
  totalEvents!: number;
  @Field(() => GraphQLJSON, { description: 'The validated candidate definition (defaults filled in).' })
  definition!: unknown;
  @Field({ description: 'name@version of the candidate definition.' })
  definitionRef!: string;
  @Field(() => String, { description: 'Global position of the last event the scenario replays (the ledger head when it started).' })
  targetPosition!: string;
  @Field({ description: 'When it started.' })
  startedAt!: Date;
  @Field(() => Date, { nullable: true, description: 'When it completed, failed or was cancelled; null while running.' })
  finishedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'Why it failed (FAILED only).' })
  error!: string | null;
  @Field(() => String, { nullable: true, description: 'X-Actor-Id of whoever started it (or the CLI user).' })
  createdBy!: string | null;
}

export function toScenario(build: IsolatedBuild): Scenario {
  return Object.assign(new Scenario(), {
    id: build.id,
    name: build.name,
    status: build.status as ScenarioStatus,
    progress: progressOf(build),
    processedEvents: build.processedEvents,
    totalEvents: build.totalEvents,
    definition: build.definition,
    definitionRef: build.definitionRef,
    targetPosition: build.target.globalPosition,
    startedAt: build.startedAt,
    finishedAt: build.finishedAt,
    error: build.error,
    createdBy: build.createdBy,
  });
}

@InputType({ description: 'A scenario to run: a name and the candidate funnel definition document.' })
export class RunScenarioInput {
  @Field({ description: 'A name for people (1 to 200 characters); not unique.' })
  name!: string;
  @Field(() => GraphQLJSON, {
    description: 'A FunnelDefinition document (shared/metrics.md), validated: an invalid one is refused with BAD_USER_INPUT naming each path.',
  })
  definition!: unknown;
}
