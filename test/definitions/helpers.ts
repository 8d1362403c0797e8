import pg from 'pg';
import { DEFAULT_FUNNEL_DEFINITION, validateFunnelDefinition, withMqlThreshold, type FunnelDefinition } from '../../libs/domain/src/index.js';
import { ProjectionRunner } from '../../libs/projections/src/projection-runner.js';
import { activeVersionOf, versionTables } from '../../libs/projections/src/versions.js';
import { LeadFunnelProjection } from '../../libs/read-models/src/index.js';
import type { graphqlClient } from '../api/graphql-client.js';
import { schemaChecksums } from '../projections/blue-green-helpers.js';

export type Gql = ReturnType<typeof graphqlClient>;

/** A fresh, mutable JSON copy of a definition (what a client sends). */
export const docOf = (definition: unknown): any => JSON.parse(JSON.stringify(definition));

/**
 * The default definition with an MQL at 60 points instead of 75, under the stage key `mql_60`: its answers are
 * told apart from the default's in every table (stage keys), which is what lets a reader notice a mix.
 */
export function mql60Definition(name = 'mql60', version = 1): FunnelDefinition {
  const lowered = withMqlThreshold(DEFAULT_FUNNEL_DEFINITION, 60);
  const result = validateFunnelDefinition({
    ...docOf(lowered),
    name,
    version,
    description: 'MQL at 60 points',
    stages: lowered.stages.map((s) => (s.key === 'mql' ? { ...docOf(s), key: 'mql_60', label: 'MQL (60)' } : docOf(s))),
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.definition;
}

export const DEFINITION_FIELDS = `name version reference active status document builtIn publishedAt publishedBy { type id } reason activatedAt liveSince
  activations { activatedAt activatedBy { type id } reason position correlationId }
  rebuild { version state eventsProcessed lag error }`;

export const PUBLISH = `mutation Publish($document: JSON!, $reason: String) { publishFunnelDefinition(document: $document, reason: $reason) { ${DEFINITION_FIELDS} } }`;
export const ACTIVATE = `mutation Activate($name: String!, $version: Int!, $reason: String) { activateFunnelDefinition(name: $name, version: $version, reason: $reason) { ${DEFINITION_FIELDS} } }`;
export const LIST = `query List($name: String) { funnelDefinitions(name: $name) { ${DEFINITION_FIELDS} } }`;
export const ONE = `query One($name: String!, $version: Int) { funnelDefinition(name: $name, version: $version) { ${DEFINITION_FIELDS} } }`;

export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until a definition's status is ACTIVE (its views are live); returns it. */
export async function untilActive(gql: Gql, name: string, version: number, timeoutMs = 90_000): Promise<any> {
  return until(`${name}@${version} to be ACTIVE`, async () => {
    const { data, errors } = await gql(ONE, { name, version });
    if (errors) throw new Error(JSON.stringify(errors));
    return data!.funnelDefinition.status === 'ACTIVE' ? data!.funnelDefinition : null;
  }, timeoutMs);
}

/** A from-scratch projection of the whole feed under `definition` into a scratch schema shaped like the active version. */
export async function fromScratchUnder(pool: pg.Pool, schema: string, definition: FunnelDefinition) {
  const active = await activeVersionOf(pool, 'lead_funnel');
  await pool.query(`CREATE SCHEMA "${schema}"`);
  for (const table of await versionTables(pool, active!.schema)) {
    await pool.query(`CREATE TABLE "${schema}"."${table}" (LIKE "${active!.schema}"."${table}" INCLUDING ALL)`);
  }
  const runner = new ProjectionRunner(pool, new LeadFunnelProjection(definition), { version: { checkpoint: `${schema}@ref`, schema }, log: () => {} });
  const result = await runner.catchUp();
  if (!result.caughtUp || result.state !== 'running') throw new Error(`reference projection did not catch up: ${JSON.stringify(result)}`);
  return schemaChecksums(pool, schema);
}
