import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

/** What is wrong at the first broken link of a hash chain (libs/event-store/src/verify.ts). */
export enum BrokenLinkReason {
  HASH_MISMATCH = 'HASH_MISMATCH',
  MISSING_REVISION = 'MISSING_REVISION',
  HEAD_MISMATCH = 'HEAD_MISMATCH',
}
registerEnumType(BrokenLinkReason, {
  name: 'BrokenLinkReason',
  description: 'Why a link of a stream\'s hash chain is broken.',
  valuesMap: {
    HASH_MISMATCH: { description: 'The stored hash differs from SHA-256(previous hash || canonical JSON of the event as stored): the event (or an earlier hash) was changed.' },
    MISSING_REVISION: { description: 'A revision is missing from the stream (an event was removed), in the middle or at the end.' },
    HEAD_MISMATCH: { description: 'The stream\'s head (its revision and last hash) does not match its last stored event.' },
  },
});

@ObjectType({ description: 'The first place where a stream\'s hash chain does not hold.' })
export class BrokenLink {
  @Field({ description: 'The stream (for a lead: its id).' })
  streamId!: string;
  @Field(() => Int, { description: 'Revision of the event (or the missing revision) where the chain breaks.' })
  revision!: number;
  @Field(() => String, { nullable: true, description: 'Id of the event whose hash does not match; null when the event is missing.' })
  eventId!: string | null;
  @Field(() => String, { nullable: true, description: 'The hash recomputed from the stored content (hex); for a head mismatch, the head\'s last hash.' })
  expectedHash!: string | null;
  @Field(() => String, { nullable: true, description: 'The hash stored with the event (hex); for a head mismatch, the last event\'s hash.' })
  storedHash!: string | null;
  @Field(() => BrokenLinkReason, { description: 'What is wrong.' })
  reason!: BrokenLinkReason;
  @Field({ description: 'A readable explanation, e.g. "stream acme-1 revision 2: the stored hash does not match the event\'s content and chain".' })
  message!: string;
}

@ObjectType({ description: 'The result of recomputing hash chains: intact, or the first broken link (in stream order, then revision).' })
export class LedgerVerification {
  @Field({ description: 'True when every checked chain is intact.' })
  ok!: boolean;
  @Field(() => Int, { description: 'Streams checked (verification stops at the first broken link).' })
  streamsChecked!: number;
  @Field(() => Int, { description: 'Events whose hash was recomputed.' })
  eventsChecked!: number;
  @Field(() => BrokenLink, { nullable: true, description: 'The first broken link; null when ok.' })
  firstBrokenLink!: BrokenLink | null;
}
