import { Field, Float, Int, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'Progress of a blue/green rebuild: the next version of a projection\'s tables, built from the start of the ledger while the current version keeps answering.' })
export class ProjectionRebuild {
  @Field(() => Int, { description: 'The version being built (its tables live in their own schema until readers switch to it).' })
  version!: number;

  @Field({ description: 'Global position of the last event the new version has applied (\'0\' before the first).' })
  position!: string;

  @Field(() => Int, { description: 'Committed events the new version has not applied yet (estimated beyond 10,000, see lagIsEstimate). Readers switch once it has caught up.' })
  lag!: number;

  @Field({ description: 'true when lag is an estimate from positions rather than a count.' })
  lagIsEstimate!: boolean;

  @Field({ description: 'running (catching up), stopped (paused by an operator) or failed (a poison event stopped it; the current version stays live).' })
  state!: string;

  @Field(() => String, { nullable: true, description: 'Why the rebuild failed, if it did.' })
  error!: string | null;

  @Field(() => String, { nullable: true, description: 'The event the rebuild failed on.' })
  failedEventId!: string | null;

  @Field(() => Float, { description: 'Events the new version has applied so far.' })
  eventsProcessed!: number;

  @Field(() => Date, { description: 'When the rebuild started.' })
  startedAt!: Date;

  @Field({ description: 'Whether a runner currently holds the new version\'s leadership (is building it).' })
  active!: boolean;
}

@ObjectType({ description: 'How far a read-model projection has got through the ledger.' })
export class ProjectionStatus {
  @Field({ description: 'Projection name.' })
  name!: string;

  @Field({ description: 'Global position of the last event applied (\'0\' before the first). Compare with a mutation\'s position.' })
  position!: string;

  @Field({ description: 'Global position of the newest event readers can get now.' })
  headPosition!: string;

  @Field(() => Int, { description: 'Committed events not applied yet (estimated beyond 10,000, see lagIsEstimate).' })
  lag!: number;

  @Field({ description: 'true when lag is an estimate from positions rather than a count.' })
  lagIsEstimate!: boolean;

  @Field({ description: 'running, stopped (paused by an operator), failed (stopped on a poison event) or rebuilding.' })
  state!: string;

  @Field(() => String, { nullable: true, description: 'Why the projection failed, if it did.' })
  error!: string | null;

  @Field(() => String, { nullable: true, description: 'The event it failed on (the next one after its position).' })
  failedEventId!: string | null;

  @Field(() => Float, { description: 'Events applied since the projection was created.' })
  eventsProcessed!: number;

  @Field(() => Date, { description: 'When its checkpoint last changed.' })
  updatedAt!: Date;

  @Field({ description: 'Whether a runner currently holds this projection\'s leadership.' })
  active!: boolean;

  @Field(() => Int, { nullable: true, description: 'Version of the projection\'s tables that readers query now (null: the projection is not versioned). A rebuild replaces it with the next version.' })
  version!: number | null;

  @Field(() => ProjectionRebuild, { nullable: true, description: 'The blue/green rebuild under way (or failed), if any; null when none.' })
  rebuild!: ProjectionRebuild | null;
}
