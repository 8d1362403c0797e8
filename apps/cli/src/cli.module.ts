import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../../api/src/config/app-config.js';
import { FunnelModule } from '../../api/src/funnel/funnel.module.js';
import { StorageModule } from '../../api/src/storage/storage.module.js';

/**
 * The services the CLI commands use, without HTTP or GraphQL: the same storage, definitions and feature
 * services as the API, so a command and the matching mutation share one implementation. Projections do not
 * run here unless a command runs them itself (e.g. `scenario run` replays in this process).
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        // Logs go to stderr at warn level by default: stdout carries the command's result.
        LoggerModule.forRoot({ pinoHttp: { level: config.logLevel, stream: process.stderr } as never }),
        StorageModule.forRoot({ ...config, runProjections: false }, { shareRunningEmbedded: true }),
        FunnelModule.forRoot(),
        // Feature modules of the commands (definitions, scenarios, import, verify) are added here.
      ],
    };
  }
}
