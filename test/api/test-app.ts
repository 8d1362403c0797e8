import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../apps/api/src/app.factory.js';
import type { AppOptions } from '../../apps/api/src/app.module.js';
import { loadConfig } from '../../apps/api/src/config/app-config.js';
import { createTestDatabase } from '../support/database.js';
import { graphqlClient } from './graphql-client.js';

/**
 * The real API on a fresh database of the test server (embedded or system), listening on a free port;
 * `options` as for createApp (e.g. an `activeDefinition` with holidays).
 */
export async function startTestApp(options: AppOptions = {}) {
  const database = await createTestDatabase();
  const config = { ...loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'warn' }), port: 0 };
  let app: NestExpressApplication;
  try {
    app = await createApp(config, options);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await database.drop();
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    baseUrl,
    databaseUrl: database.url,
    gql: graphqlClient(baseUrl),
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
