import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { GraphQLModule } from '@nestjs/graphql';
import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import type { FunnelDefinition } from '../../../libs/domain/src/index.js';
import { LoggerModule } from 'nestjs-pino';
import { CompiledQueryGateway } from './common/compiled-execution.js';
import { DateTimeScalar } from './common/date-time.scalar.js';
import { GraphQLErrorsFilter } from './common/graphql-errors.filter.js';
import type { AppConfig } from './config/app-config.js';
import { DefinitionsModule } from './definitions/definitions.module.js';
import { FunnelModule } from './funnel/funnel.module.js';
import { offlineGraphiqlPlugin } from './graphiql/offline-graphiql.js';
import { HealthController } from './health/health.controller.js';
import { ImportModule } from './import/import.module.js';
import { AuditModule } from './audit/audit.module.js';
import { PlanModule } from './plan/plan.module.js';
import { LeadResolver } from './leads/lead.resolver.js';
import { RecordLeadEventHandler } from './leads/record-lead-event.command.js';
import { ProjectionsModule } from './projections/projections.module.js';
import { ScenarioApiModule, ScenariosModule } from './scenarios/scenarios.module.js';
import type { ScenarioOptions } from './scenarios/scenario-options.js';
import { SourcesModule } from './read/sources/sources.module.js';
import { SlaModule } from './read/sla/sla.module.js';
import { LeadListModule } from './read/leads/lead-list.module.js';
import { WaterfallModule } from './read/waterfall/waterfall.module.js';
import { StorageModule } from './storage/storage.module.js';

/** Code-first cannot describe the root types; dashboards' schema explorers show these texts. */
function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  if (query) query.description = 'Reads: leads and their audit timelines, and the state of the read-model projections.';
  if (mutation) mutation.description = 'Writes: one mutation per funnel event. A refused write appends nothing.';
  return schema;
}

/** Options of the application beyond its configuration (tests and embedders). */
export interface AppOptions {
  /** The funnel definition to activate instead of the default one (read models, queries and timelines use it). */
  activeDefinition?: FunnelDefinition;
  /** Tunables of scenarios and as-of builds (e.g. a short as-of wait in tests). */
  scenarios?: Partial<ScenarioOptions>;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppOptions = {}): DynamicModule {
    const compiledQueries = new CompiledQueryGateway();
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            // Health probes would drown the request log.
            autoLogging: { ignore: (req) => req.url === '/health' },
          },
        }),
        StorageModule.forRoot(config),
        FunnelModule.forRoot(options.activeDefinition),
        ProjectionsModule,
        DefinitionsModule,
        WaterfallModule,
        SourcesModule,
        SlaModule,
        LeadListModule,
        ScenariosModule.forRoot(options.scenarios),
        ScenarioApiModule,
        PlanModule,
        AuditModule,
        ImportModule,
        CqrsModule.forRoot(),
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          path: '/graphql',
          autoSchemaFile: true,
          // Sorted below, in transformSchema: the compiled-query gateway must run the very schema Nest exposes.
          sortSchema: false,
          introspection: true,
          graphiql: false,
          // Field resolvers (e.g. Lead.timeline) need the error filter too, or their refusals turn into 500s.
          fieldResolverEnhancers: ['filters'],
          // No cache hints are used: without the cache-control plugin, Apollo does not wrap every field resolver
          // (a fifth of the time of a large report, e.g. slaCompliance by OWNER at 1M leads).
          plugins: [offlineGraphiqlPlugin('/graphql'), ApolloServerPluginCacheControlDisabled()],
          context: ({ req }: { req: unknown }) => ({ req }),
          buildSchemaOptions: { scalarsMap: [{ type: Date, scalar: DateTimeScalar }] },
          // Queries run compiled (common/compiled-execution.ts); the gateway needs the final schema. Nest's type
          // leaves `gateway` out (its own gateway driver uses it), but this driver hands it to ApolloServer as is.
          ...({ gateway: compiledQueries } as object),
          transformSchema: (schema: GraphQLSchema) => compiledQueries.useSchema(lexicographicSortSchema(describeRootTypes(schema))),
        }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_FILTER, useClass: GraphQLErrorsFilter },
        RecordLeadEventHandler,
        LeadResolver,
      ],
    };
  }
}
