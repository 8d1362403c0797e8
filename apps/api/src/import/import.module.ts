import { Module } from '@nestjs/common';
import { ImportResolver } from './import.resolver.js';
import { ImportService } from './import.service.js';

/** Bulk import of history: the service shared by `ledger import` and the importEvents mutation. */
@Module({ providers: [ImportService, ImportResolver], exports: [ImportService] })
export class ImportModule {}
