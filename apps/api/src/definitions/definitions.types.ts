import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';
import type { DefinitionActivation } from '../../../../libs/domain/src/funnel/definition-events.js';
import { Actor } from '../leads/lead.types.js';
import { ProjectionRebuild } from '../projections/projection-status.types.js';
import type { DefinitionEntry } from './definitions.service.js';

export enum FunnelDefinitionStatus {
  PUBLISHED = 'PUBLISHED',
  ACTIVATING = 'ACTIVATING',
  ACTIVE = 'ACTIVE',
  RETIRED = 'RETIRED',
}

registerEnumType(FunnelDefinitionStatus, {
  name: 'FunnelDefinitionStatus',
  description: 'Where a funnel definition stands with respect to the live read models.',
  valuesMap: {
    PUBLISHED: { description: 'Published, never activated: usable by timelines, queries\' definition argument and scenarios.' },
    ACTIVATING: { description: 'Activated last: the live views are being rebuilt under it; the previous definition answers until the swap.' },
    ACTIVE: { description: 'The live views are built under it: the read queries answer with it.' },
    RETIRED: { description: 'Was activated (or live) before, and another definition has replaced it.' },
  },
});

@ObjectType({ description: 'One activation of a funnel definition, as recorded in the definitions stream (who, when, why).' })
export class FunnelDefinitionActivation {
  @Field(() => Date, { description: 'When the activation was recorded (the live views switch later, once rebuilt).' })
  activatedAt!: Date;

  @Field(() => Actor, { nullable: true, description: 'Who activated it (from X-Actor-Type / X-Actor-Id, or the CLI user).' })
  activatedBy!: Actor | null;

  @Field(() => String, { nullable: true, description: 'Why, as given.' })
  reason!: string | null;

  @Field({ description: 'Global position of the activation event.' })
  position!: string;

  @Field(() => String, { nullable: true, description: 'Correlation id of the request that activated it.' })
  correlationId!: string | null;
}

@ObjectType('FunnelDefinition', {
  description:
    'A funnel definition: the JSON document that says which events put a lead in which stage, its SLA, stuck limits and targets. ' +
    'name@version is immutable once published.',
})
export class FunnelDefinitionModel {
  @Field({ description: 'Definition name (letters, digits, _ . -).' })
  name!: string;

  @Field(() => Int, { description: 'Version of the name (a positive integer).' })
  version!: number;

  @Field({ description: 'name@version, the reference timelines, queries and the CLI take.' })
  reference!: string;

  @Field({ description: 'Whether the live views are built under it now (status ACTIVE).' })
  active!: boolean;

  @Field(() => FunnelDefinitionStatus, { description: 'PUBLISHED, ACTIVATING, ACTIVE or RETIRED.' })
  status!: FunnelDefinitionStatus;

  @Field(() => GraphQLJSON, { description: 'The definition document as validated (every default filled in).' })
  document!: unknown;

  @Field({ description: 'Built into this release (the default definition, or the app\'s initial one): known without a publication.' })
  builtIn!: boolean;

  @Field(() => Date, { nullable: true, description: 'When it was published (null for a built-in definition).' })
  publishedAt!: Date | null;

  @Field(() => Actor, { nullable: true, description: 'Who published it (null for a built-in definition).' })
  publishedBy!: Actor | null;

  @Field(() => String, { nullable: true, description: 'Why it was published, as given.' })
  reason!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was last activated (recorded; null: never activated).' })
  activatedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When readers were switched to the views built under it (ACTIVE only).' })
  liveSince!: Date | null;

  @Field(() => [FunnelDefinitionActivation], { description: 'Every activation of it, oldest first: the audit trail.' })
  activations!: FunnelDefinitionActivation[];

  @Field(() => ProjectionRebuild, { nullable: true, description: 'The blue/green rebuild of the live views under it, while ACTIVATING (progress, failure); null otherwise.' })
  rebuild!: ProjectionRebuild | null;
}

function toActivation(a: DefinitionActivation): FunnelDefinitionActivation {
  return Object.assign(new FunnelDefinitionActivation(), {
    activatedAt: a.activatedAt,
    activatedBy: a.activatedBy,
    reason: a.reason,
    position: a.globalPosition ?? '0',
    correlationId: a.correlationId,
  });
}

export function toDefinitionModel(entry: DefinitionEntry): FunnelDefinitionModel {
  const { published, building } = entry;
  const last = entry.activations[entry.activations.length - 1];
  const s = building?.status ?? null;
  return Object.assign(new FunnelDefinitionModel(), {
    name: published.definition.name,
    version: published.definition.version,
    reference: published.reference,
    active: entry.status === 'ACTIVE',
    status: entry.status as FunnelDefinitionStatus,
    document: published.definition,
    builtIn: published.builtIn,
    publishedAt: published.publishedAt,
    publishedBy: published.publishedBy,
    reason: published.reason,
    activatedAt: last?.activatedAt ?? null,
    liveSince: entry.liveSince,
    activations: entry.activations.map(toActivation),
    rebuild:
      building && s
        ? Object.assign(new ProjectionRebuild(), {
            version: building.version.version,
            position: s.position,
            lag: s.lag,
            lagIsEstimate: s.lagIsEstimate,
            state: s.state,
            error: s.error,
            failedEventId: s.failedEventId,
            eventsProcessed: s.eventsProcessed,
            startedAt: building.version.createdAt,
            active: s.leaderPid !== null,
          })
        : null,
  });
}
