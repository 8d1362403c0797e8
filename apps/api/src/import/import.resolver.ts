import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import { ImportInputError } from '../../../../libs/import/src/index.js';
import { commandContext, type GraphQLContext } from '../leads/request-context.js';
import { ImportService, MAX_BATCH_EVENTS } from './import.service.js';
import { ImportEventsInput, ImportResult } from './import.types.js';

@Resolver(() => ImportResult)
export class ImportResolver {
  constructor(@Inject(ImportService) private readonly imports: ImportService) {}

  @Mutation(() => ImportResult, {
    description:
      'Imports a small batch of history (events of any leads, any order): each lead all or nothing, validated by the lead\'s rules; ids derive from the events, so sending the same batch again adds nothing. Recorded with actor type import.',
  })
  async importEvents(
    @Args('input', { description: 'The events and the import options.' }) input: ImportEventsInput,
    @Context() ctx: GraphQLContext,
  ): Promise<ImportResult> {
    if (input.events.length === 0 || input.events.length > MAX_BATCH_EVENTS) {
      throw new GraphQLError(`events must hold 1 to ${MAX_BATCH_EVENTS.toLocaleString('en-US')} events (larger files: ledger import)`, {
        extensions: { code: 'BAD_USER_INPUT', field: 'events' },
      });
    }
    const context = commandContext(ctx);
    let report;
    try {
      report = await this.imports.importBatch(
        input.events.map((e) => ({ leadId: e.leadId, type: e.type, occurredAt: e.occurredAt, ...(e.data === undefined || e.data === null ? {} : { data: e.data }) })),
        { timeZone: input.timeZone, dryRun: input.dryRun ?? false, actor: { type: 'import', id: context.actor.id }, correlationId: context.correlationId },
      );
    } catch (error) {
      if (error instanceof ImportInputError) throw new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT', field: 'timeZone' } });
      throw error;
    }
    return Object.assign(new ImportResult(), {
      dryRun: report.dryRun,
      leadsImported: report.leads.imported,
      leadsSkipped: report.leads.skipped,
      leadsRejected: report.leads.rejected,
      eventsImported: report.events.imported,
      eventsSkipped: report.events.skipped,
      position: report.lastPosition,
      rejected: report.rejected,
      warnings: report.warnings,
    });
  }
}
