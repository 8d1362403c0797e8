import { Module } from '@nestjs/common';
import { LeadListResolver } from './lead-list.resolver.js';

/** The `leads` and `stuckLeads` read queries (LedgerStorage and FunnelDefinitions come from global modules). */
@Module({ providers: [LeadListResolver] })
export class LeadListModule {}
