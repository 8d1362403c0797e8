import { Inject } from '@nestjs/common';
import { Args, Context, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { FunnelDefinitionConflictError, InvalidFunnelDefinitionError } from '../../../../libs/domain/src/funnel/definition-events.js';
import { commandContext, type GraphQLContext } from '../leads/request-context.js';
import { FunnelDefinitionsService } from './definitions.service.js';
import { FunnelDefinitionModel, toDefinitionModel } from './definitions.types.js';

/**
 * Funnel definitions over GraphQL (shared/api-contract.md, "Funnel definitions and replay"): list, publish,
 * activate. Who acts comes from the request headers as for the lead mutations.
 */
@Resolver(() => FunnelDefinitionModel)
export class FunnelDefinitionsResolver {
  constructor(@Inject(FunnelDefinitionsService) private readonly service: FunnelDefinitionsService) {}

  @Query(() => [FunnelDefinitionModel], {
    description: 'Every known funnel definition (built-in and published), by name then version, with its status and audit trail.',
  })
  async funnelDefinitions(
    @Args('name', { type: () => String, nullable: true, description: 'Only the versions of this name.' }) name?: string | null,
  ): Promise<FunnelDefinitionModel[]> {
    return (await this.service.list(name)).map(toDefinitionModel);
  }

  @Query(() => FunnelDefinitionModel, { nullable: true, description: 'One funnel definition (null when unknown).' })
  async funnelDefinition(
    @Args('name', { description: 'Definition name.' }) name: string,
    @Args('version', { type: () => Int, nullable: true, description: 'Its version; omitted: the latest published version of the name.' }) version?: number | null,
  ): Promise<FunnelDefinitionModel | null> {
    const entry = await this.service.get(name, version);
    return entry ? toDefinitionModel(entry) : null;
  }

  @Mutation(() => FunnelDefinitionModel, {
    description:
      'Publishes a funnel definition document (FunnelDefinitionPublished). It is validated first: BAD_USER_INPUT lists every problem ' +
      'with its JSON path in extensions.errors. name@version is immutable: the identical document again records nothing and returns ' +
      'the definition as first published; another document under a published name@version is refused with DEFINITION_CONFLICT. ' +
      'Publishing does not change the live views (see activateFunnelDefinition).',
  })
  async publishFunnelDefinition(
    @Args('document', { type: () => GraphQLJSON, description: 'The definition document (JSON); see README, "Funnel definitions".' }) document: unknown,
    @Args('reason', { type: () => String, nullable: true, description: 'Why it is published (kept in the audit trail).' }) reason: string | null | undefined,
    @Context() ctx: GraphQLContext,
  ): Promise<FunnelDefinitionModel> {
    try {
      return toDefinitionModel((await this.service.publish(document, reason, commandContext(ctx))).entry);
    } catch (error) {
      throw definitionError(error);
    }
  }

  @Mutation(() => FunnelDefinitionModel, {
    description:
      'Activates a published definition (FunnelDefinitionActivated): the live views are rebuilt under it blue/green (see `rebuild` for ' +
      'progress); the previous definition and its views keep answering until the new views have caught up, then readers switch ' +
      'atomically and its status becomes ACTIVE. Activating the definition already activated last records nothing. ' +
      'Errors: NOT_FOUND (not published).',
  })
  async activateFunnelDefinition(
    @Args('name', { description: 'Definition name.' }) name: string,
    @Args('version', { type: () => Int, description: 'Its version.' }) version: number,
    @Args('reason', { type: () => String, nullable: true, description: 'Why it is activated (kept in the audit trail).' }) reason: string | null | undefined,
    @Context() ctx: GraphQLContext,
  ): Promise<FunnelDefinitionModel> {
    return toDefinitionModel((await this.service.activate(name, version, reason, commandContext(ctx))).entry);
  }
}

/** The definition refusals with their codes and, for an invalid document, every path. */
function definitionError(error: unknown): unknown {
  if (error instanceof InvalidFunnelDefinitionError) {
    return new GraphQLError(error.message, { extensions: { code: error.code, field: 'document', errors: error.errors.map((e) => ({ path: e.path, message: e.message })) } });
  }
  if (error instanceof FunnelDefinitionConflictError) {
    return new GraphQLError(error.message, { extensions: { code: error.code, field: 'document', reference: error.reference } });
  }
  return error;
}
