import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  DEFAULT_FUNNEL_DEFINITION,
  FunnelDefinitionNotFoundError,
  definitionRef,
  parseDefinitionRef,
  type FunnelDefinition,
} from '../../../../libs/domain/src/index.js';

/** Injection token of an optional override of the active definition (AppModule.forRoot's `activeDefinition`). */
export const ACTIVE_FUNNEL_DEFINITION = Symbol('ACTIVE_FUNNEL_DEFINITION');

/**
 * The funnel definitions the API classifies leads with. By default the default definition of shared/metrics.md
 * is the only one, and it is active; an app started with `activeDefinition` (e.g. a test calendar with holidays)
 * makes that one active and keeps the default resolvable by name. Published and activated definitions replace
 * this catalogue's contents without changing its callers.
 */
@Injectable()
export class FunnelDefinitions {
  private readonly activeDefinition: FunnelDefinition;
  private readonly known: readonly FunnelDefinition[];

  constructor(@Optional() @Inject(ACTIVE_FUNNEL_DEFINITION) activeDefinition?: FunnelDefinition | null) {
    this.activeDefinition = activeDefinition ?? DEFAULT_FUNNEL_DEFINITION;
    const sameRef = definitionRef(this.activeDefinition) === definitionRef(DEFAULT_FUNNEL_DEFINITION);
    this.known = sameRef ? [this.activeDefinition] : [this.activeDefinition, DEFAULT_FUNNEL_DEFINITION];
  }

  active(): FunnelDefinition {
    return this.activeDefinition;
  }

  /** `name@version`, or a bare name for its latest version; null/undefined = the active definition. */
  resolve(reference?: string | null): FunnelDefinition {
    if (reference === null || reference === undefined || reference.trim() === '') return this.active();
    const parsed = parseDefinitionRef(reference);
    const name = parsed?.name ?? reference.trim();
    const candidates = this.known.filter((d) => d.name === name && (parsed === null || d.version === parsed.version));
    const found = candidates.sort((a, b) => b.version - a.version)[0];
    if (!found) throw new FunnelDefinitionNotFoundError(reference.trim());
    return found;
  }

  reference(definition: FunnelDefinition): string {
    return definitionRef(definition);
  }
}
