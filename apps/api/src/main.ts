import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { closeOnSignals } from './close-on-signals.js';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';

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

  closeOnSignals(app, logger, 'shutting down');

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
