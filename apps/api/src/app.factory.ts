import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOptions } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import { serveGraphiqlAssets } from './graphiql/offline-graphiql.js';

/** Builds the API application (storage opened, migrations run); the caller decides where it listens. */
export async function createApp(config: AppConfig, options: AppOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options), {
    bufferLogs: true,
    // Throw instead of process.abort() on a failed start, so the caller can stop what already started.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  serveGraphiqlAssets(app);
  return app;
}
