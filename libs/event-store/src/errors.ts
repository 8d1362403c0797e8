/** Errors of the PostgreSQL adapter beyond the port's ConcurrencyConflictError. */

/** SQLSTATEs raised by the schema (see migrations/1732350000000-CreateEventStore.ts). */
export const SQLSTATE = {
  concurrencyConflict: 'FL001',
  staleTransactionOrder: 'FL002',
  appendOnly: 'FL003',
  invalidAppend: 'FL004',
  uniqueViolation: '23505',
} as const;

/** The arguments of an append are unusable; nothing was written. */
export class InvalidAppendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppendError';
  }
}

/** An event id in the append is already stored (event ids are globally unique); nothing was written. */
export class DuplicateEventIdError extends Error {
  constructor(
    readonly streamId: string,
    detail: string,
  ) {
    super(`Append to stream ${streamId} refused: an event id is already stored (${detail})`);
    this.name = 'DuplicateEventIdError';
  }
}

/**
 * The appending transaction is older than the stream's last writer (FL002): appending would put later
 * revisions before earlier ones in the global feed. Retrying in a new transaction always succeeds past it;
 * PostgresEventStore.append does so transparently.
 */
export class StaleTransactionOrderError extends Error {
  constructor(
    readonly streamId: string,
    cause: unknown,
  ) {
    super(`Append to stream ${streamId} ran in a transaction older than the stream's last writer; retry it in a new transaction`, { cause });
    this.name = 'StaleTransactionOrderError';
  }
}

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
