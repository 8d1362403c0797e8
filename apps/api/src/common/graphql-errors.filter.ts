import { Catch, Logger, type ArgumentsHost } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import { DomainError, ValidationError } from '../../../../libs/domain/src/index.js';
import { ConcurrencyConflictError } from '../../../../libs/event-store/src/index.js';

/**
 * Turns what the domain and the store refuse into GraphQL errors with the contract's codes
 * (shared/api-contract.md). Anything unexpected is logged and answered without internals.
 */
@Catch()
export class GraphQLErrorsFilter implements GqlExceptionFilter {
  private readonly logger = new Logger('GraphQL');

  catch(error: unknown, _host: ArgumentsHost): GraphQLError {
    return toGraphQLError(error, this.logger);
  }
}

export function toGraphQLError(error: unknown, logger?: Logger): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof ValidationError) {
    return new GraphQLError(error.message, { extensions: { code: error.code, field: error.field } });
  }
  if (error instanceof DomainError) {
    return new GraphQLError(error.message, { extensions: { code: error.code } });
  }
  if (error instanceof ConcurrencyConflictError) {
    return new GraphQLError(error.message, {
      extensions: { code: error.code, expectedRevision: error.expected, actualRevision: error.actual },
    });
  }
  logger?.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}
