import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { FunnelDefinition } from '../../../../libs/domain/src/index.js';
import { ACTIVE_FUNNEL_DEFINITION, FunnelDefinitions } from './funnel-definitions.js';

/** One catalogue of funnel definitions for every resolver and query service. */
@Global()
@Module({ providers: [FunnelDefinitions], exports: [FunnelDefinitions] })
export class FunnelModule {
  /** The catalogue, with `activeDefinition` (when given) active instead of the default definition. */
  static forRoot(activeDefinition?: FunnelDefinition | null): DynamicModule {
    return { module: FunnelModule, providers: [{ provide: ACTIVE_FUNNEL_DEFINITION, useValue: activeDefinition ?? null }] };
  }
}
