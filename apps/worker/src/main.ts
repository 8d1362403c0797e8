import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadConfig, type AppConfig } from '../../api/src/config/app-config.js';
import { WorkerModule } from './worker.module.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
    if (config.databaseUrl === null) {
      // An embedded server belongs to one process: a separate worker only makes sense on the shared store.
      throw new ConfigError(['DATABASE_URL is required by the worker: it projects the shared PostgreSQL the API writes to.']);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ ...config, runProjections: true }), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  const logger = new NestLogger('Worker');
  let stopping = false;
  for (const signal of SIGNALS) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.log(`${signal} received: stopping the projections`);
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
    });
  }
  await app.init();
  logger.log('Funnel Ledger worker running');
}

main().catch((error: unknown) => {
  console.error('Funnel Ledger worker failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
