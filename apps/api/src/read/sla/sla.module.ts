import { Module } from '@nestjs/common';
import { SlaResolver } from './sla.resolver.js';
import { SlaService } from './sla.service.js';

/** The `slaCompliance` read query (LedgerStorage comes from the global StorageModule). */
@Module({ providers: [SlaService, SlaResolver], exports: [SlaService] })
export class SlaModule {}
