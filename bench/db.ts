import pg from 'pg';

/**
 * A connected client for the bench. A connection the server ends (e.g. the cleanup's DROP DATABASE ... WITH
 * (FORCE) after Ctrl-C) emits 'error' on the client; without a listener that would crash the process before
 * the cleanup finished. The query in flight still rejects, so the failure is reported where it happened.
 */
export async function connectClient(url: string, applicationName = 'funnel-ledger-bench'): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** The event store's background log (idle connection errors), on one line instead of a whole error object. */
export function storeLog(message: string, error?: unknown): void {
  console.warn(`  [event-store] ${message}${error instanceof Error ? `: ${error.message}` : ''}`);
}
