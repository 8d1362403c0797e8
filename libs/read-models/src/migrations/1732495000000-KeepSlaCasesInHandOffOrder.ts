import type { QueryRunner } from 'typeorm';
import type { EventStoreMigration } from '../../../event-store/src/migrations/index.js';

/**
 * Marks the active lead_funnel version's rm_sla_cases as kept in hand-off order (CLUSTER ON its handed_off_at
 * index). Every SLA report reads a range of hand-off times; a rebuild writes cases lead by lead, which scatters a
 * month's cases over as many pages as there are cases (at 1M leads, 42,818 cases of a year on 41,184 pages, a
 * third of the groups' statement). The mark travels to every later version: a finished build rewrites the table
 * in that order before its swap (libs/projections/src/version-tables.ts). The live table itself is not rewritten
 * here (CLUSTER would lock it); its next rebuild orders it, and cases appended live come in about that order anyway.
 *
 * Run with no rebuild in progress, like any migration of the versioned tables.
 */
export class KeepSlaCasesInHandOffOrder1732495000000 implements EventStoreMigration {
  readonly name = 'KeepSlaCasesInHandOffOrder1732495000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = await activeSchema(queryRunner);
    await queryRunner.query(`ALTER TABLE ${schema}.rm_sla_cases CLUSTER ON rm_sla_cases_handed_off_idx`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = await activeSchema(queryRunner);
    await queryRunner.query(`ALTER TABLE ${schema}.rm_sla_cases SET WITHOUT CLUSTER`);
  }
}

async function activeSchema(queryRunner: QueryRunner): Promise<string> {
  const rows = (await queryRunner.query(`SELECT schema_name FROM projection_versions WHERE projection = 'lead_funnel' AND state = 'active'`)) as {
    schema_name: string;
  }[];
  const schema = rows[0]?.schema_name;
  // Schema names are checked plain identifiers ([a-z][a-z0-9_]*) where they are registered.
  if (!schema || !/^[a-z][a-z0-9_]*$/.test(schema)) throw new Error('lead_funnel has no active version: cannot mark rm_sla_cases');
  return schema;
}
