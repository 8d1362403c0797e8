import { Controller, Get, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { LedgerStorage } from '../storage/ledger-storage.js';

/** Liveness and readiness in one: the process answers and its event store can be read. */
@Controller('health')
export class HealthController {
  constructor(@Inject(LedgerStorage) private readonly storage: LedgerStorage) {}

  @Get()
  async health(): Promise<{ status: 'ok'; storage: string; eventStore: 'up' }> {
    try {
      await this.storage.eventStore.headCheckpoint();
    } catch (error) {
      throw new HttpException(
        { status: 'error', storage: this.storage.kind, eventStore: 'down', message: (error as Error).message },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }
    return { status: 'ok', storage: this.storage.kind, eventStore: 'up' };
  }
}
