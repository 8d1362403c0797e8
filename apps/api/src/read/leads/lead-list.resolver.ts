import { Inject } from '@nestjs/common';
import { Args, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { ValidationError, type Origin as DomainOrigin, type LeadStatus as DomainLeadStatus } from '../../../../../libs/domain/src/index.js';
import { Lead } from '../../leads/lead.types.js';
import { ReadScopes } from '../read-scope.js';
import { queryLeadPage, queryStuckPage, type Keyset, type SummaryRow } from './lead-list.sql.js';
import {
  LeadConnection,
  LeadEdge,
  LeadFilter,
  PageInfo,
  StuckLead,
  StuckLeadConnection,
  StuckLeadEdge,
} from './lead-list.types.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 200;

/** Opaque cursors: base64url of a kind tag, the keyset instant (epoch microseconds) and the lead id. */
export function encodeCursor(kind: 'lead' | 'stuck', key: Keyset): string {
  return Buffer.from(JSON.stringify([kind, key.micros, key.leadId]), 'utf8').toString('base64url');
}

export function decodeCursor(kind: 'lead' | 'stuck', cursor: string | null | undefined): Keyset | null {
  if (cursor === null || cursor === undefined) return null;
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    parsed[0] !== kind ||
    typeof parsed[1] !== 'string' ||
    !/^-?(0|[1-9][0-9]{0,17})$/.test(parsed[1]) ||
    typeof parsed[2] !== 'string'
  ) {
    throw new ValidationError('after', `after is not a cursor of this connection: ${JSON.stringify(cursor)}`);
  }
  return { micros: parsed[1], leadId: parsed[2] };
}

function pageSize(first: number | null | undefined): number {
  const n = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAGE_SIZE) {
    throw new ValidationError('first', `first must be between 0 and ${MAX_PAGE_SIZE}, got ${n}`);
  }
  return n;
}

/** A Lead node from its summary row; its timeline field resolver reads the stream on demand. */
export function toLeadFromSummary(row: SummaryRow): Lead {
  return Object.assign(new Lead(), {
    id: row.lead_id,
    status: row.status as DomainLeadStatus,
    stage: row.stage,
    revision: Number(row.last_revision),
    source: { channel: row.channel, campaign: row.campaign, origin: row.origin as DomainOrigin },
    score: row.score,
    ownerId: row.owner_id,
    team: row.team,
    capturedAt: row.captured_at,
    value: row.value === null ? null : Number(row.value),
    currency: row.currency,
  });
}

function pageInfo<E extends { cursor: string }>(edges: E[], hasNextPage: boolean, before: number): PageInfo {
  return Object.assign(new PageInfo(), {
    hasNextPage,
    hasPreviousPage: before > 0,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges[edges.length - 1]?.cursor ?? null,
  });
}

const nonEmpty = (value: string | null | undefined): string | null => (value === undefined || value === null ? null : value);

@Resolver()
export class LeadListResolver {
  constructor(@Inject(ReadScopes) private readonly scopes: ReadScopes) {}

  @Query(() => LeadConnection, {
    description: 'Leads from the read model, newest capture first (ties by lead id), filtered and paginated (Relay connection).',
  })
  async leads(
    @Args('filter', { type: () => LeadFilter, nullable: true, description: 'Which leads; absent = all.' }) filter?: LeadFilter | null,
    @Args('first', { type: () => Int, nullable: true, description: `Page size (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}).` })
    first?: number | null,
    @Args('after', { type: () => String, nullable: true, description: 'Cursor of the edge to continue behind (pageInfo.endCursor).' })
    after?: string | null,
    @Args('minPosition', {
      type: () => String,
      nullable: true,
      description: 'A position a mutation returned: wait (bounded) until the read models reflect it.',
    })
    minPosition?: string | null,
    @Args('scenarioId', { type: () => ID, nullable: true, description: 'Answer from this completed scenario\'s replay (its definition) instead of the live views.' })
    scenarioId?: string | null,
    @Args('asOf', { type: () => Date, nullable: true, description: 'Answer from the events recorded at or before this instant (knowledge time), e.g. before a backfill.' })
    asOf?: Date | null,
  ): Promise<LeadConnection> {
    const limit = pageSize(first);
    const cursor = decodeCursor('lead', after);
    const f = filter ?? {};
    if (f.capturedFrom && f.capturedTo && !(f.capturedFrom.getTime() < f.capturedTo.getTime())) {
      throw new ValidationError('filter.capturedTo', 'filter.capturedTo must be after filter.capturedFrom');
    }
    const rows = await this.scopes.run({ minPosition, scenarioId, asOf }, (scope) => queryLeadPage(
      scope.db,
      {
        stage: nonEmpty(f.stage),
        status: nonEmpty(f.status),
        ownerId: nonEmpty(f.ownerId),
        team: nonEmpty(f.team),
        channel: nonEmpty(f.channel),
        campaign: nonEmpty(f.campaign),
        origin: nonEmpty(f.origin),
        capturedFrom: f.capturedFrom ?? null,
        capturedTo: f.capturedTo ?? null,
        search: nonEmpty(f.search),
      },
      cursor,
      limit,
    ));
    const head = rows[0]!;
    const items = rows.filter((r) => r.lead_id !== null);
    const edges = items.slice(0, limit).map((r) =>
      Object.assign(new LeadEdge(), { cursor: encodeCursor('lead', { micros: r.cursor_micros!, leadId: r.lead_id }), node: toLeadFromSummary(r) }),
    );
    return Object.assign(new LeadConnection(), {
      edges,
      pageInfo: pageInfo(edges, items.length > limit, head.before),
      totalCount: head.total,
    });
  }

  @Query(() => StuckLeadConnection, {
    description:
      'Leads whose open stage visit is older than the stage\'s stuck limit (shared/metrics.md), longest stuck first (Relay connection).',
  })
  async stuckLeads(
    @Args('stage', { type: () => String, nullable: true, description: 'Only this stage key of the definition; absent = every non-terminal stage.' })
    stage?: string | null,
    @Args('first', { type: () => Int, nullable: true, description: `Page size (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}).` })
    first?: number | null,
    @Args('after', { type: () => String, nullable: true, description: 'Cursor of the edge to continue behind (pageInfo.endCursor).' })
    after?: string | null,
    @Args('definition', {
      type: () => String,
      nullable: true,
      description: 'The definition whose stages and stuck limits apply, which the views answering must be built under (name@version or name); default: theirs (DEFINITION_NOT_BUILT otherwise).',
    })
    definitionReference?: string | null,
    @Args('now', { type: () => Date, nullable: true, description: 'Evaluate ages and the 180-day benchmark window as of this instant (default: the current time).' })
    now?: Date | null,
    @Args('minPosition', {
      type: () => String,
      nullable: true,
      description: 'A position a mutation returned: wait (bounded) until the read models reflect it.',
    })
    minPosition?: string | null,
    @Args('scenarioId', { type: () => ID, nullable: true, description: 'Answer from this completed scenario\'s replay (its definition) instead of the live views.' })
    scenarioId?: string | null,
    @Args('asOf', { type: () => Date, nullable: true, description: 'Answer from the events recorded at or before this instant (knowledge time), e.g. before a backfill.' })
    asOf?: Date | null,
  ): Promise<StuckLeadConnection> {
    const limit = pageSize(first);
    const cursor = decodeCursor('stuck', after);
    const rows = await this.scopes.run({ definition: definitionReference, minPosition, scenarioId, asOf }, (scope) => {
      const definition = scope.definition;
      let stages = definition.stages.filter((s) => s.terminal !== true);
    if (stage !== null && stage !== undefined) {
      const known = definition.stages.find((s) => s.key === stage);
      if (!known) {
        throw new ValidationError('stage', `stage ${JSON.stringify(stage)} is not a stage of ${scope.reference} (${definition.stages.map((s) => s.key).join(', ')})`);
      }
      stages = [known];
      }
      // As of an instant, ages are evaluated at that instant unless `now` says otherwise.
      const at = now ?? asOf ?? new Date();
      return queryStuckPage(
        scope.db,
        stages.map((s) => ({ key: s.key, limitSeconds: s.stuckLimitSeconds ?? null })),
        at,
        cursor,
        limit,
      );
    });
    const head = rows[0]!;
    const items = rows.filter((r) => r.lead_id !== null);
    const edges = items.slice(0, limit).map((r) =>
      Object.assign(new StuckLeadEdge(), {
        cursor: encodeCursor('stuck', { micros: r.cursor_micros!, leadId: r.lead_id }),
        node: Object.assign(new StuckLead(), {
          lead: toLeadFromSummary(r),
          stage: r.visit_stage,
          enteredAt: r.entered_at,
          stuckFor: r.stuck_for,
          limitSeconds: r.limit_seconds,
          limitSource: r.limit_source,
        }),
      }),
    );
    return Object.assign(new StuckLeadConnection(), {
      edges,
      pageInfo: pageInfo(edges, items.length > limit, head.before),
      totalCount: head.total,
    });
  }
}
