import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../../api/src/config/app-config.js';
import { ProjectionHost } from '../../api/src/projections/projection-host.js';
import { StorageModule } from '../../api/src/storage/storage.module.js';

/** The projections alone, without HTTP: scale-out and crash isolation for the read side. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [LoggerModule.forRoot({ pinoHttp: { level: config.logLevel } }), StorageModule.forRoot(config)],
      providers: [ProjectionHost],
    };
  }
}
