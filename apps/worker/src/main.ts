import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { closeOnSignals } from '../../api/src/close-on-signals.js';
import { ConfigError, loadConfig, type AppConfig } from '../../api/src/config/app-config.js';
import { WorkerModule } from './worker.module.js';

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
  closeOnSignals(app, logger, 'stopping the projections');
  await app.init();
  logger.log('Funnel Ledger worker running');
}

main().catch((error: unknown) => {
  console.error('Funnel Ledger worker failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
