import type { QueryRunner } from 'typeorm';
import type { EventStoreMigration } from '../../../event-store/src/migrations/index.js';

/**
 * Makes lead_funnel a versioned projection (blue/green rebuilds, libs/projections/README.md):
 * - schema lead_funnel_v1 receives EVERY table of `public` whose name starts with `rm_` (ALTER TABLE ... SET
 *   SCHEMA keeps rows, indexes, constraints and owned sequences), whichever migrations created them;
 * - `public.rm_x` becomes a view `SELECT * FROM lead_funnel_v1.rm_x` for each of them: readers keep their
 *   unqualified names, and a swap repoints the views at a new version in one transaction;
 * - version 1 is registered active, with the existing checkpoint row `lead_funnel` (created here if the runner
 *   never ran) as its checkpoint.
 *
 * A later migration that adds a read-model table creates it in the active version's schema (see
 * projection_versions) and adds its view; run it with no rebuild in progress.
 */
export class VersionLeadFunnelReadModels1732470000000 implements EventStoreMigration {
  readonly name = 'VersionLeadFunnelReadModels1732470000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE SCHEMA lead_funnel_v1');
    const tables = (await queryRunner.query(`
      SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND left(c.relname, 3) = 'rm_'
       ORDER BY c.relname`)) as { name: string }[];
    for (const { name } of tables) {
      await queryRunner.query(`ALTER TABLE public.${ident(name)} SET SCHEMA lead_funnel_v1`);
      await queryRunner.query(`CREATE VIEW public.${ident(name)} AS SELECT * FROM lead_funnel_v1.${ident(name)}`);
    }
    await queryRunner.query(`INSERT INTO projection_checkpoints (name, state) VALUES ('lead_funnel', 'running') ON CONFLICT (name) DO NOTHING`);
    await queryRunner.query(`
      INSERT INTO projection_versions (projection, version, schema_name, checkpoint_name, state, activated_at)
      VALUES ('lead_funnel', 1, 'lead_funnel_v1', 'lead_funnel', 'active', now())`);
  }

  /** Back to plain tables in `public`: the ACTIVE version's tables (whichever number), with its checkpoint as `lead_funnel`. */
  async down(queryRunner: QueryRunner): Promise<void> {
    const versions = (await queryRunner.query(
      `SELECT schema_name, checkpoint_name, state, dropped_at IS NOT NULL AS dropped FROM projection_versions WHERE projection = 'lead_funnel'`,
    )) as { schema_name: string; checkpoint_name: string; state: string; dropped: boolean }[];
    const active = versions.find((v) => v.state === 'active');
    if (!active) throw new Error('lead_funnel has no active version: cannot revert VersionLeadFunnelReadModels1732470000000');
    const tables = (await queryRunner.query(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
      [active.schema_name],
    )) as { name: string }[];
    for (const { name } of tables) {
      await queryRunner.query(`DROP VIEW IF EXISTS public.${ident(name)}`);
      await queryRunner.query(`ALTER TABLE ${ident(active.schema_name)}.${ident(name)} SET SCHEMA public`);
    }
    await queryRunner.query(`DELETE FROM projection_versions WHERE projection = 'lead_funnel'`);
    for (const version of versions) {
      if (!version.dropped) await queryRunner.query(`DROP SCHEMA IF EXISTS ${ident(version.schema_name)} CASCADE`);
    }
    if (active.checkpoint_name !== 'lead_funnel') {
      await queryRunner.query(`DELETE FROM projection_checkpoints WHERE name = 'lead_funnel'`);
      await queryRunner.query(`UPDATE projection_checkpoints SET name = 'lead_funnel' WHERE name = $1`, [active.checkpoint_name]);
    }
    await queryRunner.query(`DELETE FROM projection_checkpoints WHERE name LIKE 'lead\\_funnel@%'`);
  }
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
