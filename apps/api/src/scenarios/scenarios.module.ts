import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ReadScopes } from '../read/read-scope.js';
import { SlaModule } from '../read/sla/sla.module.js';
import { WaterfallModule } from '../read/waterfall/waterfall.module.js';
import { AsOfBuilds } from './as-of-builds.js';
import { BuildDriver } from './build-driver.js';
import { CompareResolver } from './compare.resolver.js';
import { CompareService } from './compare.service.js';
import { DEFAULT_SCENARIO_OPTIONS, SCENARIO_OPTIONS, type ScenarioOptions } from './scenario-options.js';
import { ScenarioResolver } from './scenario.resolver.js';
import { ScenarioService } from './scenario.service.js';

/**
 * Scenarios, as-of builds and the read scope every read query resolves (global: the read modules inject
 * ReadScopes). Used by the API and the CLI.
 */
@Global()
@Module({})
export class ScenariosModule {
  static forRoot(options: Partial<ScenarioOptions> = {}): DynamicModule {
    const providers = [BuildDriver, AsOfBuilds, ReadScopes, ScenarioService];
    return {
      module: ScenariosModule,
      providers: [{ provide: SCENARIO_OPTIONS, useValue: { ...DEFAULT_SCENARIO_OPTIONS, ...options } }, ...providers],
      exports: providers,
    };
  }
}

/** runScenario and friends, and compareScenarios (over the waterfall and SLA services). */
@Module({
  imports: [WaterfallModule, SlaModule],
  providers: [ScenarioResolver, CompareService, CompareResolver],
  exports: [CompareService],
})
export class ScenarioApiModule {}
