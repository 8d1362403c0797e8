import type { RecordedEvent } from '../../event-store/src/index.js';
import type { ProjectionTransaction } from './projection.js';

/**
 * Telling a poison event from a passing problem, and finding the exact event that fails.
 *
 * A batch can fail because the infrastructure failed (connection lost, server restarting, deadlock or
 * serialization failure): retrying the same batch later is right, and stopping the projection would be wrong.
 * Anything else thrown by a projection (a bug, a constraint violation, an unexpected event shape) would fail
 * again on every retry: the projection stops with state 'failed' instead of looping or skipping.
 */

const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);
const RETRYABLE_SQLSTATE_CLASSES = ['08' /* connection exception */, '53' /* insufficient resources */];
const RETRYABLE_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
// node-postgres reports a lost or unobtainable connection with these messages and no code.
const RETRYABLE_MESSAGES = /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Client was closed/i;

export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (RETRYABLE_SQLSTATES.has(code) || RETRYABLE_NODE_CODES.has(code)) return true;
    if (code.length === 5 && RETRYABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
  }
  return error instanceof Error && RETRYABLE_MESSAGES.test(error.message);
}

/** One line for the checkpoint row: name, message and, for database errors, SQLSTATE and detail. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `non-Error thrown: ${String(error)}`;
  const { code, detail } = error as { code?: unknown; detail?: unknown };
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code}${typeof detail === 'string' ? `: ${detail}` : ''})` : '';
  return `${error.name}: ${error.message}${sqlState}`;
}

export interface Culprit {
  event: RecordedEvent;
  /** Its index in the batch: events before it are applied in the transaction when findFailingEvent returns. */
  index: number;
  error: unknown;
}

/**
 * Replays a failed batch inside the caller's open transaction to find the first event that fails on its own,
 * after every event before it was applied. Bisects with savepoints: a half that applies stays applied (the
 * state the rest expects), a half that fails is rolled back and narrowed; O(log n) apply calls. On return
 * with a culprit, exactly the events before it are applied in the transaction (the caller may commit them).
 * Returns null when no single event fails: the failure depends on how the batch was composed (for example
 * one upsert touching a row twice), or apply is not deterministic; the caller must then roll back.
 * Retryable errors are rethrown (the batch is retried as a whole later).
 */
export async function findFailingEvent(
  tx: ProjectionTransaction,
  events: readonly RecordedEvent[],
  apply: (events: readonly RecordedEvent[]) => Promise<void>,
): Promise<Culprit | null> {
  let applied = 0; // events[0, applied) are applied in tx
  let end = events.length; // the culprit, if reproducible, is in [applied, end)
  while (end - applied > 1) {
    const middle = Math.floor((applied + end) / 2);
    if ((await attempt(tx, events.slice(applied, middle), apply)) === null) applied = middle;
    else end = middle;
  }
  const candidate = events[applied];
  if (!candidate) return null;
  const error = await attempt(tx, [candidate], apply);
  return error === null ? null : { event: candidate, index: applied, error };
}

/** Applies inside a savepoint; returns the error (the savepoint rolled back) or null (kept). */
async function attempt(
  tx: ProjectionTransaction,
  events: readonly RecordedEvent[],
  apply: (events: readonly RecordedEvent[]) => Promise<void>,
): Promise<unknown> {
  await tx.query('SAVEPOINT fl_find_failing_event');
  try {
    await apply(events);
  } catch (error) {
    if (isRetryable(error)) throw error;
    await tx.query('ROLLBACK TO SAVEPOINT fl_find_failing_event');
    return error ?? new Error('apply rejected without a reason');
  }
  await tx.query('RELEASE SAVEPOINT fl_find_failing_event');
  return null;
}
