import { Injectable } from '@nestjs/common';
import {
  DEFAULT_FUNNEL_DEFINITION,
  FunnelDefinitionNotFoundError,
  definitionRef,
  parseDefinitionRef,
  type FunnelDefinition,
} from '../../../../libs/domain/src/index.js';

/**
 * The funnel definitions the API classifies leads with. Today the default definition of shared/metrics.md is
 * the only one, and it is active; published and activated definitions replace this catalogue's contents
 * without changing its callers.
 */
@Injectable()
export class FunnelDefinitions {
  private readonly known: readonly FunnelDefinition[] = [DEFAULT_FUNNEL_DEFINITION];

  active(): FunnelDefinition {
    return DEFAULT_FUNNEL_DEFINITION;
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
