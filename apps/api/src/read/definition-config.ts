import { validateFunnelDefinition, type FunnelDefinition } from '../../../../libs/domain/src/index.js';

const cache = new Map<string, FunnelDefinition | null>();
const CACHE_LIMIT = 100;

/**
 * The definition stored in a lead_funnel version's config (`{ definition: <document> }`, the issue-4
 * agreement) or an isolated build's registry row; null when absent or no longer valid. Memoized per document:
 * read requests resolve it every time, and the interpreter caches what it compiles per definition object.
 */
export function definitionOfConfig(config: unknown): FunnelDefinition | null {
  const document = (config as { definition?: unknown } | null)?.definition;
  if (document === undefined || document === null) return null;
  const key = JSON.stringify(document);
  if (cache.has(key)) return cache.get(key)!;
  const validated = validateFunnelDefinition(document);
  const definition = validated.ok ? validated.definition : null;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, definition);
  return definition;
}
