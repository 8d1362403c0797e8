import { Global, Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { LedgerStorage } from './ledger-storage.js';

export const APP_CONFIG = Symbol('APP_CONFIG');
export const EVENT_STORE = Symbol('EVENT_STORE');

/** Closes the pool and stops the embedded PostgreSQL when the application shuts down. */
@Injectable()
class StorageShutdown implements OnApplicationShutdown {
  constructor(@Inject(LedgerStorage) private readonly storage: LedgerStorage) {}

  async onApplicationShutdown(): Promise<void> {
    await this.storage.close();
  }
}

@Global()
@Module({})
export class StorageModule {
  /** `shareRunningEmbedded`: see LedgerStorage.open (the CLI beside a running API). */
  static forRoot(config: AppConfig, options: { shareRunningEmbedded?: boolean } = {}): DynamicModule {
    return {
      module: StorageModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        {
          provide: LedgerStorage,
          useFactory: () => {
            const logger = new Logger('Storage');
            return LedgerStorage.open(config, { info: (m) => logger.log(m), debug: (m) => logger.debug(m) }, options);
          },
        },
        { provide: EVENT_STORE, useFactory: (storage: LedgerStorage) => storage.eventStore, inject: [LedgerStorage] },
        StorageShutdown,
      ],
      exports: [APP_CONFIG, EVENT_STORE, LedgerStorage],
    };
  }
}
