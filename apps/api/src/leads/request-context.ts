import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { uuidv7, type ActorType } from '../../../../libs/event-store/src/index.js';
import type { CommandContext } from './record-lead-event.command.js';

export interface GraphQLContext {
  req: { headers: Record<string, string | string[] | undefined> };
}

const ACTOR_TYPES: readonly ActorType[] = ['user', 'system', 'import'];

function header(context: GraphQLContext, name: string): string | null {
  const value = context.req?.headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() ? first.trim() : null;
}

/**
 * Who is writing, from the request: `X-Actor-Type` (user, system, import; default user) and `X-Actor-Id`
 * (default anonymous). Authentication is a later concern; the audit trail records what the caller states.
 * `X-Correlation-Id` ties together everything one workflow caused; one is generated when absent.
 */
export function commandContext(context: GraphQLContext): CommandContext {
  const type = (header(context, 'x-actor-type') ?? 'user').toLowerCase();
  if (!ACTOR_TYPES.includes(type as ActorType)) {
    throw new GraphQLError(`X-Actor-Type must be one of ${ACTOR_TYPES.join(', ')} (got ${type})`, {
      extensions: { code: 'BAD_USER_INPUT', field: 'X-Actor-Type' },
    });
  }
  return {
    actor: { type: type as ActorType, id: header(context, 'x-actor-id') ?? 'anonymous' },
    correlationId: header(context, 'x-correlation-id') ?? randomUUID(),
    commandId: uuidv7(),
  };
}
