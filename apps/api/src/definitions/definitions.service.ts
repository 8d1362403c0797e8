import { Inject, Injectable } from '@nestjs/common';
import { definitionRef } from '../../../../libs/domain/src/index.js';
import {
  FUNNEL_DEFINITIONS_STREAM,
  decideDefinition,
  versionsOf,
  type DefinitionActivation,
  type FunnelDefinitionCommand,
  type PublishedDefinition,
} from '../../../../libs/domain/src/funnel/definition-events.js';
import { ConcurrencyConflictError, type Actor, type EventStore } from '../../../../libs/event-store/src/index.js';
import { projectionStatus, type ProjectionStatus } from '../../../../libs/projections/src/index.js';
import { DefinitionReconciler, type ReconcileOutcome } from '../funnel/definition-reconciler.js';
import { FunnelDefinitions, type DefinitionVersion } from '../funnel/funnel-definitions.js';
import { LedgerStorage } from '../storage/ledger-storage.js';
import { EVENT_STORE } from '../storage/storage.module.js';

/** Where a definition stands with respect to the live views. */
export type DefinitionStatus = 'PUBLISHED' | 'ACTIVATING' | 'ACTIVE' | 'RETIRED';

/** Who asks, for the audit trail (the request headers over GraphQL, the OS user in the CLI). */
export interface DefinitionCommandContext {
  actor: Actor;
  correlationId: string | null;
  /** The causation id of the appended event. */
  commandId: string;
}

/** A known definition with its audit trail and its place relative to the live views. */
export interface DefinitionEntry {
  published: PublishedDefinition;
  status: DefinitionStatus;
  /** Activation events naming it, oldest first. */
  activations: DefinitionActivation[];
  /** When readers were switched to the views built under it (ACTIVE only). */
  liveSince: Date | null;
  /** The lead_funnel version being built under it (ACTIVATING), with its progress. */
  building: { version: DefinitionVersion; status: ProjectionStatus | null } | null;
}

/** How many times a write re-decides after a concurrent append to the definitions stream. */
const APPEND_ATTEMPTS = 5;

/**
 * Publishing and activating funnel definitions, for the GraphQL mutations and the CLI alike: refresh the
 * catalogue, decide (libs/domain definition-events), append to the definitions stream with the revision the
 * decision was made on (a concurrent append means deciding again), refresh. Activation then runs one pass of
 * the reconciler, which registers the blue/green rebuild under the definition; whichever process runs the
 * projections builds and swaps it.
 */
@Injectable()
export class FunnelDefinitionsService {
  private readonly reconciler: DefinitionReconciler;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LedgerStorage) private readonly storage: LedgerStorage,
    @Inject(FunnelDefinitions) private readonly definitions: FunnelDefinitions,
  ) {
    this.reconciler = new DefinitionReconciler(storage.pool, store, definitions.initial());
  }

  /** Publishes a document (validated; an identical re-publication appends nothing: `appended` false). */
  async publish(document: unknown, reason: string | null | undefined, context: DefinitionCommandContext): Promise<{ entry: DefinitionEntry; appended: boolean }> {
    const { reference, appended } = await this.record({ type: 'PublishFunnelDefinition', document, reason }, context);
    return { entry: (await this.entry(reference))!, appended };
  }

  /**
   * Activates a published definition and starts the rebuild of the live views under it (`outcome`).
   * Activating the definition already targeted appends nothing (`appended` false) and starts nothing new.
   */
  async activate(
    name: string,
    version: number,
    reason: string | null | undefined,
    context: DefinitionCommandContext,
  ): Promise<{ entry: DefinitionEntry; appended: boolean; outcome: ReconcileOutcome }> {
    const { reference, appended } = await this.record({ type: 'ActivateFunnelDefinition', name, version, reason }, context);
    const outcome = await this.reconciler.reconcile();
    await this.definitions.refresh();
    return { entry: (await this.entry(reference))!, appended, outcome };
  }

  /** Every known definition (of `name` when given), by name then version. */
  async list(name?: string | null): Promise<DefinitionEntry[]> {
    await this.definitions.refresh();
    const all = [...this.definitions.catalog().published.values()]
      .filter((p) => !name || p.definition.name === name)
      .sort((a, b) => (a.definition.name < b.definition.name ? -1 : a.definition.name > b.definition.name ? 1 : a.definition.version - b.definition.version));
    return Promise.all(all.map((p) => this.entryOf(p)));
  }

  /** One definition (the latest version of `name` when version is omitted); null when unknown. */
  async get(name: string, version?: number | null): Promise<DefinitionEntry | null> {
    await this.definitions.refresh();
    const catalog = this.definitions.catalog();
    const found = version === null || version === undefined ? versionsOf(catalog, name)[0] : catalog.published.get(definitionRef({ name, version }));
    return found ? this.entryOf(found) : null;
  }

  /** The entry of a reference after a refresh (null when unknown). */
  private async entry(reference: string): Promise<DefinitionEntry | null> {
    const found = this.definitions.catalog().published.get(reference);
    return found ? this.entryOf(found) : null;
  }

  private async record(command: FunnelDefinitionCommand, context: DefinitionCommandContext): Promise<{ reference: string; appended: boolean }> {
    for (let attempt = 1; ; attempt++) {
      await this.definitions.refresh();
      const catalog = this.definitions.catalog();
      const decision = decideDefinition(command, catalog, { initial: this.definitions.initial() });
      const reference = definitionRef(decision.definition);
      if (decision.events.length === 0) return { reference, appended: false };
      try {
        await this.store.append(
          FUNNEL_DEFINITIONS_STREAM,
          decision.events.map((event) => ({
            type: event.type,
            schemaVersion: event.schemaVersion,
            data: event.data,
            occurredAt: new Date(),
            metadata: { actor: context.actor, correlationId: context.correlationId, causationId: context.commandId },
          })),
          { expectedRevision: catalog.revision === 0 ? 'no_stream' : catalog.revision },
        );
      } catch (error) {
        if (error instanceof ConcurrencyConflictError && attempt < APPEND_ATTEMPTS) continue;
        throw error;
      }
      await this.definitions.refresh();
      return { reference, appended: true };
    }
  }

  private async entryOf(published: PublishedDefinition): Promise<DefinitionEntry> {
    const catalog = this.definitions.catalog();
    const reference = published.reference;
    const versions = this.definitions.versions();
    const active = versions.find((v) => v.state === 'active');
    const liveRef = active?.reference ?? definitionRef(this.definitions.initial());
    const targetRef = definitionRef(this.definitions.target());
    const activations = catalog.activations.filter((a) => a.reference === reference);
    const served = versions.some((v) => v.reference === reference && v.activatedAt !== null);
    const status: DefinitionStatus =
      reference === liveRef ? 'ACTIVE' : reference === targetRef ? 'ACTIVATING' : activations.length > 0 || served ? 'RETIRED' : 'PUBLISHED';
    const buildingVersion = versions.find((v) => v.state === 'building' && v.reference === reference) ?? null;
    let building: DefinitionEntry['building'] = null;
    if (buildingVersion) {
      const [progress] = await projectionStatus(this.storage.pool, { checkpoints: [buildingVersion.checkpoint] });
      building = { version: buildingVersion, status: progress ?? null };
    }
    return { published, status, activations, liveSince: status === 'ACTIVE' ? (active?.activatedAt ?? null) : null, building };
  }
}
