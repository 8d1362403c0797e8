import {
  DEFAULT_FUNNEL_DEFINITION,
  definitionRef,
  validateFunnelDefinition,
  type FunnelDefinition,
} from '../../../../libs/domain/src/index.js';
import {
  FUNNEL_DEFINITIONS_STREAM,
  evolveCatalog,
  initialCatalog,
  type FunnelDefinitionCatalog,
  type RecordedDefinitionEvent,
} from '../../../../libs/domain/src/funnel/definition-events.js';
import type { EventStore, Queryable, RecordedEvent } from '../../../../libs/event-store/src/index.js';

/**
 * The definitions stream and the lead_funnel versions, read without Nest: the API's catalogue, the reconciler
 * (API and worker) and the CLI share these. Nothing here caches across calls except DefinitionStreamReader,
 * which keeps the folded stream and reads only what was appended since.
 */

/** The projection whose versions follow the active definition. */
export const LEAD_FUNNEL = 'lead_funnel';

/** What `projection_versions.config` holds for a lead_funnel version built under an activated definition. */
export interface LeadFunnelVersionConfig {
  definition: FunnelDefinition;
}

/** The definitions the release knows without any event: the app's initial one and the default (once each). */
export function builtInDefinitions(initial: FunnelDefinition): FunnelDefinition[] {
  return definitionRef(initial) === definitionRef(DEFAULT_FUNNEL_DEFINITION) ? [initial] : [initial, DEFAULT_FUNNEL_DEFINITION];
}

export function toRecordedDefinitionEvent(event: RecordedEvent): RecordedDefinitionEvent {
  return {
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    revision: event.revision,
    recordedAt: event.recordedAt,
    actor: event.metadata?.actor ?? null,
    correlationId: event.metadata?.correlationId ?? null,
    globalPosition: event.globalPosition,
  };
}

/** Folds the definitions stream incrementally: `read()` appends only the events recorded since the last call. */
export class DefinitionStreamReader {
  private catalog: FunnelDefinitionCatalog;

  constructor(
    private readonly store: EventStore,
    readonly initial: FunnelDefinition,
  ) {
    this.catalog = initialCatalog(builtInDefinitions(initial));
  }

  /** The catalogue as last read (no I/O). */
  current(): FunnelDefinitionCatalog {
    return this.catalog;
  }

  /** Reads what was appended since the last read (one cheap revision check when nothing was). */
  async read(): Promise<FunnelDefinitionCatalog> {
    const revision = await this.store.streamRevision(FUNNEL_DEFINITIONS_STREAM);
    if (revision === this.catalog.revision) return this.catalog;
    const events = await this.store.readStream(FUNNEL_DEFINITIONS_STREAM, { fromRevision: this.catalog.revision + 1 });
    let catalog = this.catalog;
    for (const event of events) {
      // Two reads may race; only the next revision is applied.
      if (event.revision === catalog.revision + 1) catalog = evolveCatalog(catalog, toRecordedDefinitionEvent(event));
    }
    this.catalog = catalog;
    return catalog;
  }
}

/**
 * The definition a lead_funnel version is built with: its config's definition, or `initial` for a version
 * without one (null config: built under the app's initial definition, before any activation). Throws when the
 * config holds a document this code cannot validate (it would build other tables than the version has).
 */
export function definitionOfVersionConfig(config: unknown, initial: FunnelDefinition): FunnelDefinition {
  if (config === null || config === undefined) return initial;
  const document = (config as { definition?: unknown }).definition;
  if (document === undefined) return initial;
  const validation = validateFunnelDefinition(document);
  if (!validation.ok) throw new Error(`lead_funnel version config holds an invalid definition: ${validation.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  return validation.definition;
}

/** name@version of the definition a version config names (initial's for none), without validating the document. */
export function referenceOfVersionConfig(config: unknown, initial: FunnelDefinition): string {
  const document = (config as { definition?: { name?: unknown; version?: unknown } } | null | undefined)?.definition;
  if (document && typeof document.name === 'string' && typeof document.version === 'number') return `${document.name}@${document.version}`;
  return definitionRef(initial);
}

export interface LeadFunnelVersionRow {
  version: number;
  state: 'building' | 'active' | 'retired' | 'abandoned';
  config: unknown;
  schema: string;
  checkpoint: string;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
}

/** A cheap fingerprint of the definitions stream and the lead_funnel versions: the catalogue reloads when it changes. */
export async function definitionsFingerprint(db: Queryable): Promise<{ revision: number; versions: string }> {
  const { rows } = await db.query<{ revision: string | null; versions: string | null }>({
    text: `SELECT (SELECT version FROM streams WHERE stream_id = $1)::text AS revision,
                  (SELECT string_agg(version || ':' || state, ',' ORDER BY version) FROM projection_versions WHERE projection = $2) AS versions`,
    values: [FUNNEL_DEFINITIONS_STREAM, LEAD_FUNNEL],
  });
  return { revision: Number(rows[0]?.revision ?? 0), versions: rows[0]?.versions ?? '' };
}

/** Every version of lead_funnel (abandoned ones left out: they never served), by version. */
export async function leadFunnelVersions(db: Queryable): Promise<LeadFunnelVersionRow[]> {
  const { rows } = await db.query<{
    version: number;
    state: LeadFunnelVersionRow['state'];
    config: unknown;
    schema_name: string;
    checkpoint_name: string;
    created_at: Date;
    activated_at: Date | null;
    retired_at: Date | null;
  }>({
    text: `SELECT version, state, config, schema_name, checkpoint_name, created_at, activated_at, retired_at
             FROM projection_versions WHERE projection = $1 AND state <> 'abandoned' ORDER BY version`,
    values: [LEAD_FUNNEL],
  });
  return rows.map((r) => ({
    version: r.version,
    state: r.state,
    config: r.config,
    schema: r.schema_name,
    checkpoint: r.checkpoint_name,
    createdAt: r.created_at,
    activatedAt: r.activated_at,
    retiredAt: r.retired_at,
  }));
}
