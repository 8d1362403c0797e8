import { Field, Float, Int, ObjectType } from '@nestjs/graphql';

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
}
