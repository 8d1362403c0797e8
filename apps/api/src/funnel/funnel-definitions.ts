import { Inject, Injectable, Logger, Optional, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import {
  DEFAULT_FUNNEL_DEFINITION,
  FunnelDefinitionNotFoundError,
  definitionRef,
  parseDefinitionRef,
  type FunnelDefinition,
} from '../../../../libs/domain/src/index.js';
import {
  initialCatalog,
  targetDefinition,
  versionsOf,
  type FunnelDefinitionCatalog,
  type PublishedDefinition,
} from '../../../../libs/domain/src/funnel/definition-events.js';
import { LedgerStorage } from '../storage/ledger-storage.js';
import {
  DefinitionStreamReader,
  builtInDefinitions,
  definitionOfVersionConfig,
  definitionsFingerprint,
  leadFunnelVersions,
  referenceOfVersionConfig,
  type LeadFunnelVersionRow,
} from './definition-stream.js';

/** Injection token of an optional override of the initial definition (AppModule.forRoot's `activeDefinition`). */
export const ACTIVE_FUNNEL_DEFINITION = Symbol('ACTIVE_FUNNEL_DEFINITION');

/** How often the catalogue checks the stream revision and the version registry (ms). */
export const CATALOGUE_REFRESH_MS = 500;

/** A lead_funnel version with the definition it is built with. */
export interface DefinitionVersion extends LeadFunnelVersionRow {
  definition: FunnelDefinition;
  reference: string;
}

/**
 * The funnel definitions the API classifies leads with, backed by the definitions stream
 * (libs/domain/src/funnel/definition-events.ts) and the lead_funnel version registry:
 * - known definitions: the built-ins (the app's initial definition, the default) and every published one;
 * - `active()`: the LIVE definition, the one the active lead_funnel version was built with (its
 *   `config.definition`, or the initial definition for a null config). While an activation's rebuild is still
 *   catching up, the old definition stays active with the old views; it changes once readers were switched;
 * - `target()`: the last activated definition (what the live views are being moved to).
 * The accessors are synchronous (read services call them per request): the state is loaded at start-up and
 * refreshed every CATALOGUE_REFRESH_MS by a one-row fingerprint query (stream revision + version states), so
 * other processes' publications, activations and swaps show within that interval; `refresh()` forces it
 * (after a local publish/activate, before listing).
 */
@Injectable()
export class FunnelDefinitions implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('FunnelDefinitions');
  private readonly initialDefinition: FunnelDefinition;
  private readonly reader: DefinitionStreamReader | null;
  private catalogState: FunnelDefinitionCatalog;
  private versionState: DefinitionVersion[] = [];
  private fingerprint = '';
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private failing = false;

  constructor(
    @Optional() @Inject(ACTIVE_FUNNEL_DEFINITION) activeDefinition?: FunnelDefinition | null,
    @Optional() @Inject(LedgerStorage) private readonly storage?: LedgerStorage,
  ) {
    this.initialDefinition = activeDefinition ?? DEFAULT_FUNNEL_DEFINITION;
    this.catalogState = initialCatalog(builtInDefinitions(this.initialDefinition));
    this.reader = storage ? new DefinitionStreamReader(storage.eventStore, this.initialDefinition) : null;
  }

  async onModuleInit(): Promise<void> {
    await this.refresh();
    if (!this.storage) return;
    this.timer = setInterval(() => {
      this.refresh().catch(() => undefined);
    }, CATALOGUE_REFRESH_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.refreshing?.catch(() => undefined);
  }

  /** Reloads what changed since the last look (stream events, version registry). Concurrent calls share one pass. */
  async refresh(): Promise<void> {
    if (!this.storage || !this.reader) return;
    // A caller that wants fresh data must not get a pass that started before its own write: chain one more.
    const previous = this.refreshing;
    const pass = (async () => {
      await previous?.catch(() => undefined);
      await this.load();
    })();
    this.refreshing = pass;
    try {
      await pass;
      if (this.failing) this.logger.log('funnel definitions refreshed again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(`refreshing the funnel definitions failed (keeping the last known): ${(error as Error).message}`);
      this.failing = true;
      throw error;
    } finally {
      if (this.refreshing === pass) this.refreshing = null;
    }
  }

  private async load(): Promise<void> {
    const pool = this.storage!.pool;
    const fingerprint = await definitionsFingerprint(pool);
    const key = `${fingerprint.revision}|${fingerprint.versions}`;
    if (key === this.fingerprint) return;
    const catalog = await this.reader!.read();
    const rows = await leadFunnelVersions(pool);
    const known = new Map(this.versionState.map((v) => [v.version, v]));
    const versions = rows.map((row) => {
      const cached = known.get(row.version);
      const definition = cached?.definition ?? definitionOfVersionConfig(row.config, this.initialDefinition);
      return { ...row, definition, reference: definitionRef(definition) };
    });
    this.catalogState = catalog;
    this.versionState = versions;
    this.fingerprint = key;
  }

  /** The app's initial definition: what a lead_funnel version with a null config is built with. */
  initial(): FunnelDefinition {
    return this.initialDefinition;
  }

  /** The live definition: the one the active lead_funnel version (the views readers query) was built with. */
  active(): FunnelDefinition {
    return this.versionState.find((v) => v.state === 'active')?.definition ?? this.initialDefinition;
  }

  /** The last activated definition (the initial one when none was activated): live, or being built. */
  target(): FunnelDefinition {
    return targetDefinition(this.catalogState)?.definition ?? this.initialDefinition;
  }

  /**
   * The definition whose views were live at `at`, from the swap times of the version registry: the version
   * activated (swapped in) at or before `at` and not retired by then. Before the first version's activation:
   * that version's definition. Activations recorded before `at` whose rebuild had not been swapped in yet do
   * not count: at that time readers still saw the previous definition's views.
   */
  activeAt(at: Date): FunnelDefinition {
    const t = at.getTime();
    const served = this.versionState.filter((v) => v.activatedAt !== null);
    const live = served.filter((v) => v.activatedAt!.getTime() <= t && (v.retiredAt === null || v.retiredAt.getTime() > t));
    const found = live[live.length - 1] ?? served[0];
    return found?.definition ?? this.initialDefinition;
  }

  /** `name@version`, or a bare name for its latest version; null/undefined/blank = the active definition. */
  resolve(reference?: string | null): FunnelDefinition {
    if (reference === null || reference === undefined || reference.trim() === '') return this.active();
    const parsed = parseDefinitionRef(reference);
    if (parsed) {
      const found = this.catalogState.published.get(definitionRef(parsed));
      if (found) return found.definition;
    } else {
      const latest = versionsOf(this.catalogState, reference.trim())[0];
      if (latest) return latest.definition;
    }
    throw new FunnelDefinitionNotFoundError(reference.trim());
  }

  reference(definition: FunnelDefinition): string {
    return definitionRef(definition);
  }

  /** The folded definitions stream as last loaded (published definitions, activations). */
  catalog(): FunnelDefinitionCatalog {
    return this.catalogState;
  }

  /** A published (or built-in) definition with its audit data; null when unknown. */
  published(name: string, version: number): PublishedDefinition | null {
    return this.catalogState.published.get(definitionRef({ name, version })) ?? null;
  }

  /** The lead_funnel versions that served or serve readers, or are building, with their definitions. */
  versions(): readonly DefinitionVersion[] {
    return this.versionState;
  }

  /** The definition a version config (projection_versions.config of lead_funnel) builds with. */
  definitionOfVersionConfig(config: unknown): FunnelDefinition {
    const reference = referenceOfVersionConfig(config, this.initialDefinition);
    const cached = this.versionState.find((v) => v.reference === reference)?.definition;
    return cached ?? definitionOfVersionConfig(config, this.initialDefinition);
  }
}
