import { Module } from '@nestjs/common';
import { AuditResolver } from './audit.resolver.js';
import { AuditService } from './audit.service.js';

/** verifyLead / verifyLedger (hash chains); AuditService is exported for the CLI's `ledger verify`. */
@Module({ providers: [AuditService, AuditResolver], exports: [AuditService] })
export class AuditModule {}
