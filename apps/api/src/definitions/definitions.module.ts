import { Module } from '@nestjs/common';
import { FunnelDefinitionsResolver } from './definitions.resolver.js';
import { FunnelDefinitionsService } from './definitions.service.js';

/** Publishing and activating definitions, without GraphQL (the CLI imports this one). */
@Module({ providers: [FunnelDefinitionsService], exports: [FunnelDefinitionsService] })
export class FunnelDefinitionsServiceModule {}

/** The funnel definition queries and mutations (FunnelDefinitions and storage come from global modules). */
@Module({ imports: [FunnelDefinitionsServiceModule], providers: [FunnelDefinitionsResolver] })
export class DefinitionsModule {}
