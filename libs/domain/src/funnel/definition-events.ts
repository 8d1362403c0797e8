import { definitionRef, type FunnelDefinition } from './definition.js';
import { validateFunnelDefinition, type FunnelDefinitionError } from './validate-definition.js';
import { DomainError, FunnelDefinitionNotFoundError } from '../shared/errors.js';

/**
 * Funnel definitions as audited facts (shared/domain.md, "Audit"): publishing and activating a definition are
 * events of one stream, so who did it, when and why is recorded like any lead fact, hash-chained, and every
 * later question ("which definition classified this lead on 1 March?") is answered from the stream.
 *
 * - FunnelDefinitionPublished { document, reason }: `document` is the VALIDATED definition with every default
 *   filled in, so its meaning never depends on the defaults of a later release. A published name@version is
 *   immutable: re-publishing the identical document is a no-op (no event), a different one is refused.
 * - FunnelDefinitionActivated { name, version, reason }: the definition the live views should follow. Only
 *   published (or built-in) definitions can be activated; activating the one already targeted is a no-op (no
 *   event), so a retried activation records nothing twice. The live views switch only once a rebuild under the
 *   definition has caught up (apps/api: the reconciler), which is why "activated" and "live" are told apart.
 */

/** The stream of the definition events. `$` marks a system stream (lead ids are chosen by clients). */
export const FUNNEL_DEFINITIONS_STREAM = '$funnel-definitions';

export type FunnelDefinitionEventType = 'FunnelDefinitionPublished' | 'FunnelDefinitionActivated';
export const FUNNEL_DEFINITION_EVENT_TYPES: readonly FunnelDefinitionEventType[] = ['FunnelDefinitionPublished', 'FunnelDefinitionActivated'];

/** The schema version each definition event is written with today (no upcasters yet: none has changed shape). */
export const DEFINITION_EVENT_SCHEMA_VERSION: { readonly [T in FunnelDefinitionEventType]: number } = {
  FunnelDefinitionPublished: 1,
  FunnelDefinitionActivated: 1,
};

export interface FunnelDefinitionPublishedData {
  document: FunnelDefinition;
  reason: string | null;
}

export interface FunnelDefinitionActivatedData {
  name: string;
  version: number;
  reason: string | null;
}

export type FunnelDefinitionEvent =
  | { type: 'FunnelDefinitionPublished'; schemaVersion: number; data: FunnelDefinitionPublishedData }
  | { type: 'FunnelDefinitionActivated'; schemaVersion: number; data: FunnelDefinitionActivatedData };

export function isFunnelDefinitionEventType(type: string): type is FunnelDefinitionEventType {
  return (FUNNEL_DEFINITION_EVENT_TYPES as readonly string[]).includes(type);
}

/** Who caused a definition event, as the store's metadata records it. */
export interface DefinitionActor {
  type: string;
  id: string;
}

/** A definition event as recorded (the store's envelope, reduced to what the catalogue needs). */
export interface RecordedDefinitionEvent {
  type: string;
  schemaVersion: number;
  data: unknown;
  revision: number;
  recordedAt: Date;
  actor: DefinitionActor | null;
  correlationId?: string | null;
  globalPosition?: string | null;
}

export interface PublishedDefinition {
  definition: FunnelDefinition;
  reference: string;
  /** Built into the release (the default definition, the app's initial one): known without any event. */
  builtIn: boolean;
  /** null for a built-in definition. */
  publishedAt: Date | null;
  publishedBy: DefinitionActor | null;
  reason: string | null;
  /** Revision of its publication in the stream (0 for a built-in). */
  revision: number;
}

export interface DefinitionActivation {
  reference: string;
  name: string;
  version: number;
  activatedAt: Date;
  activatedBy: DefinitionActor | null;
  reason: string | null;
  revision: number;
  correlationId: string | null;
  globalPosition: string | null;
}

/** The definitions stream folded: what is published, and every activation in order. */
export interface FunnelDefinitionCatalog {
  /** The stream's revision (0: no event yet): the expected revision of the next append. */
  revision: number;
  /** By reference (name@version), in publication order (built-ins first). */
  published: ReadonlyMap<string, PublishedDefinition>;
  activations: readonly DefinitionActivation[];
}

/** The catalogue before any event: the built-in definitions only (the first of a reference wins). */
export function initialCatalog(builtIns: readonly FunnelDefinition[]): FunnelDefinitionCatalog {
  const published = new Map<string, PublishedDefinition>();
  for (const definition of builtIns) {
    const reference = definitionRef(definition);
    if (published.has(reference)) continue;
    published.set(reference, { definition, reference, builtIn: true, publishedAt: null, publishedBy: null, reason: null, revision: 0 });
  }
  return { revision: 0, published, activations: [] };
}

/**
 * Applies one recorded event. Events come from a stream the decide rules guard, so the fold trusts them, but
 * it still refuses what it cannot read (an unknown type or a newer schema version): skipping it would
 * misreport what is active.
 */
export function evolveCatalog(catalog: FunnelDefinitionCatalog, event: RecordedDefinitionEvent): FunnelDefinitionCatalog {
  if (!isFunnelDefinitionEventType(event.type)) throw new Error(`${FUNNEL_DEFINITIONS_STREAM}: unknown event type ${event.type}`);
  if (event.schemaVersion !== DEFINITION_EVENT_SCHEMA_VERSION[event.type]) {
    throw new Error(`${event.type} v${event.schemaVersion} is not understood by this code (v${DEFINITION_EVENT_SCHEMA_VERSION[event.type]})`);
  }
  if (event.type === 'FunnelDefinitionPublished') {
    const data = event.data as FunnelDefinitionPublishedData;
    // Stored documents were validated when published; validating again yields the frozen, defaulted object the
    // interpreter expects (and catches a document a newer release would read differently).
    const validation = validateFunnelDefinition(data.document);
    if (!validation.ok) throw new Error(`${FUNNEL_DEFINITIONS_STREAM}@${event.revision}: stored document is invalid: ${formatDefinitionErrors(validation.errors)}`);
    const reference = definitionRef(validation.definition);
    const published = new Map(catalog.published);
    if (!published.has(reference)) {
      published.set(reference, {
        definition: validation.definition,
        reference,
        builtIn: false,
        publishedAt: event.recordedAt,
        publishedBy: event.actor,
        reason: data.reason ?? null,
        revision: event.revision,
      });
    }
    return { revision: event.revision, published, activations: catalog.activations };
  }
  const data = event.data as FunnelDefinitionActivatedData;
  const activation: DefinitionActivation = {
    reference: definitionRef(data),
    name: data.name,
    version: data.version,
    activatedAt: event.recordedAt,
    activatedBy: event.actor,
    reason: data.reason ?? null,
    revision: event.revision,
    correlationId: event.correlationId ?? null,
    globalPosition: event.globalPosition ?? null,
  };
  return { revision: event.revision, published: catalog.published, activations: [...catalog.activations, activation] };
}

export function foldCatalog(builtIns: readonly FunnelDefinition[], events: Iterable<RecordedDefinitionEvent>): FunnelDefinitionCatalog {
  let catalog = initialCatalog(builtIns);
  for (const event of events) catalog = evolveCatalog(catalog, event);
  return catalog;
}

/** The definition the live views should follow: the last activated one (null: none was ever activated). */
export function targetDefinition(catalog: FunnelDefinitionCatalog): PublishedDefinition | null {
  const last = catalog.activations[catalog.activations.length - 1];
  return last ? (catalog.published.get(last.reference) ?? null) : null;
}

/** The last activation recorded at or before `at` (null: none). */
export function activationAt(catalog: FunnelDefinitionCatalog, at: Date): DefinitionActivation | null {
  let found: DefinitionActivation | null = null;
  for (const activation of catalog.activations) {
    if (activation.activatedAt.getTime() <= at.getTime()) found = activation;
  }
  return found;
}

/** Published definitions of a name, latest version first. */
export function versionsOf(catalog: FunnelDefinitionCatalog, name: string): PublishedDefinition[] {
  return [...catalog.published.values()].filter((p) => p.definition.name === name).sort((a, b) => b.definition.version - a.definition.version);
}

// ---- decide ----

export interface PublishFunnelDefinition {
  type: 'PublishFunnelDefinition';
  /** The untrusted document (parsed JSON). */
  document: unknown;
  reason?: string | null;
}

export interface ActivateFunnelDefinition {
  type: 'ActivateFunnelDefinition';
  name: string;
  version: number;
  reason?: string | null;
}

export type FunnelDefinitionCommand = PublishFunnelDefinition | ActivateFunnelDefinition;

/** The document breaks the definition schema: every problem with its JSON path. */
export class InvalidFunnelDefinitionError extends DomainError {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(readonly errors: readonly FunnelDefinitionError[]) {
    super(`Invalid funnel definition: ${formatDefinitionErrors(errors)}`);
    this.name = 'InvalidFunnelDefinitionError';
  }
}

/** name@version is already published with another document: a published definition never changes. */
export class FunnelDefinitionConflictError extends Error {
  readonly code = 'DEFINITION_CONFLICT' as const;
  constructor(readonly reference: string) {
    super(`Funnel definition ${reference} is already published with a different document; published definitions are immutable: publish it under a new version`);
    this.name = 'FunnelDefinitionConflictError';
  }
}

/** `path: message; path: message` ('$' = the document itself). */
export function formatDefinitionErrors(errors: readonly FunnelDefinitionError[]): string {
  return errors.map((e) => `${e.path || '$'}: ${e.message}`).join('; ');
}

export interface DefinitionDecision {
  /** What to append (empty: nothing to record, the command is already satisfied). */
  events: FunnelDefinitionEvent[];
  /** The definition the command is about (published or to be published). */
  definition: FunnelDefinition;
}

/**
 * The rules of the definitions stream.
 * - Publish: the document must validate (InvalidFunnelDefinitionError, every path); an unknown name@version is
 *   published; the identical document again (compared after validation, keys in any order) appends nothing;
 *   another document under a known name@version (built-ins included) is refused (FunnelDefinitionConflictError).
 * - Activate: the definition must be known (FunnelDefinitionNotFoundError); when it is already the target (the
 *   last activated one, or `initial` before any activation) nothing is appended: a no-op, not an error.
 */
export function decideDefinition(
  command: FunnelDefinitionCommand,
  catalog: FunnelDefinitionCatalog,
  options: { initial: FunnelDefinition },
): DefinitionDecision {
  const reason = normalizeReason(command.reason);
  if (command.type === 'PublishFunnelDefinition') {
    const validation = validateFunnelDefinition(command.document);
    if (!validation.ok) throw new InvalidFunnelDefinitionError(validation.errors);
    const reference = definitionRef(validation.definition);
    const existing = catalog.published.get(reference);
    if (existing) {
      // Built-ins may be written without their defaults: compare both in their validated form.
      const normalized = existing.builtIn ? validateFunnelDefinition(existing.definition) : { ok: true as const, definition: existing.definition };
      if (normalized.ok && sameDocument(normalized.definition, validation.definition)) return { events: [], definition: existing.definition };
      throw new FunnelDefinitionConflictError(reference);
    }
    return {
      events: [{ type: 'FunnelDefinitionPublished', schemaVersion: DEFINITION_EVENT_SCHEMA_VERSION.FunnelDefinitionPublished, data: { document: validation.definition, reason } }],
      definition: validation.definition,
    };
  }
  const reference = definitionRef(command);
  const known = catalog.published.get(reference);
  if (!known) throw new FunnelDefinitionNotFoundError(reference);
  const target = targetDefinition(catalog)?.reference ?? definitionRef(options.initial);
  if (target === reference) return { events: [], definition: known.definition };
  return {
    events: [
      {
        type: 'FunnelDefinitionActivated',
        schemaVersion: DEFINITION_EVENT_SCHEMA_VERSION.FunnelDefinitionActivated,
        data: { name: known.definition.name, version: known.definition.version, reason },
      },
    ],
    definition: known.definition,
  };
}

/** Whether two definitions are the same document (deep equality, key order ignored). */
export function sameDocument(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

/** JSON with object keys sorted (undefined members dropped, as JSON.stringify does). */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

function normalizeReason(reason: string | null | undefined): string | null {
  const trimmed = reason?.trim();
  return trimmed ? trimmed : null;
}
