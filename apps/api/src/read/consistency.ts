import { GraphQLError } from 'graphql';
import {
  ProjectionNotRunningError,
  ProjectionWaitTimeoutError,
  waitUntilReached,
} from '../../../../libs/projections/src/index.js';
import type { Queryable } from '../../../../libs/event-store/src/index.js';

/** How long a read query waits for the projections to reach a caller's `minPosition`. */
export const MIN_POSITION_TIMEOUT_MS = 10_000;
const POSITION = /^(0|[1-9][0-9]{0,18})$/;

/**
 * Read-your-writes: a query given the `position` a mutation returned waits (bounded) until the read models
 * reflect that event. Unknown or malformed positions are refused rather than waited on.
 */
export async function awaitMinPosition(db: Queryable, projections: string[], minPosition: string | null | undefined): Promise<void> {
  if (minPosition === null || minPosition === undefined) return;
  if (!POSITION.test(minPosition)) {
    throw new GraphQLError(`minPosition must be a position a mutation returned (a decimal string), got ${JSON.stringify(minPosition)}`, {
      extensions: { code: 'BAD_USER_INPUT', field: 'minPosition' },
    });
  }
  try {
    await waitUntilReached(db, projections, minPosition, MIN_POSITION_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof ProjectionNotRunningError || error instanceof ProjectionWaitTimeoutError) {
      throw new GraphQLError(error.message, { extensions: { code: 'PROJECTION_BEHIND', projection: (error as ProjectionNotRunningError).projection ?? null } });
    }
    throw error;
  }
}
