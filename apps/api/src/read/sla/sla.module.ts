import { Module } from '@nestjs/common';
import { SlaResolver } from './sla.resolver.js';

/** The `slaCompliance` read query (LedgerStorage comes from the global StorageModule). */
@Module({ providers: [SlaResolver] })
export class SlaModule {}
