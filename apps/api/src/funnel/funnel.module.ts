import { Global, Module } from '@nestjs/common';
import { FunnelDefinitions } from './funnel-definitions.js';

/** One catalogue of funnel definitions for every resolver and query service. */
@Global()
@Module({ providers: [FunnelDefinitions], exports: [FunnelDefinitions] })
export class FunnelModule {}
