import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../../api/src/config/app-config.js';
import { FunnelDefinitionsServiceModule } from '../../api/src/definitions/definitions.module.js';
import { AuditModule } from '../../api/src/audit/audit.module.js';
import { FunnelModule } from '../../api/src/funnel/funnel.module.js';
import { ImportModule } from '../../api/src/import/import.module.js';
import { PlanModule } from '../../api/src/plan/plan.module.js';
import { ScenarioApiModule, ScenariosModule } from '../../api/src/scenarios/scenarios.module.js';
import { StorageModule } from '../../api/src/storage/storage.module.js';

/**
 * The services the CLI commands use, without HTTP or GraphQL: the same storage, definitions and feature
 * services as the API, so a command and the matching mutation share one implementation. Projections do not
 * run here unless a command runs them itself (e.g. `scenario run` replays in this process).
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        // Logs go to stderr at warn level by default: stdout carries the command's result.
        LoggerModule.forRoot({ pinoHttp: { level: config.logLevel, stream: process.stderr } as never }),
        StorageModule.forRoot({ ...config, runProjections: false }, { shareRunningEmbedded: true }),
        FunnelModule.forRoot(),
        // The read scope (ReadScopes) of every read a command makes (e.g. `ledger plan`), and the scenario services.
        ScenariosModule.forRoot(),
        // compareScenarios for `ledger scenario compare` (with the waterfall and SLA services it reads through).
        ScenarioApiModule,
        AuditModule,
        PlanModule,
        FunnelDefinitionsServiceModule,
        ImportModule,
        // Feature modules of the commands (definitions, scenarios, import, verify) are added here.
      ],
    };
  }
}
