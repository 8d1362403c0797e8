import type { QueryRunner } from 'typeorm';
import type { EventStoreMigration } from '../../../event-store/src/migrations/index.js';

/**
 * The registry of versioned projections (blue/green rebuilds, see libs/projections/README.md): one row per
 * version of a projection's tables. Each version's tables live in their own schema (schema_name); readers query
 * views in `public` that select from the ACTIVE version's schema. A version has its own checkpoint row
 * (checkpoint_name) and so its own runner and leadership lock.
 *
 * state: building (a rebuild is catching up; readers do not see it), active (the views point at it; exactly
 * one per projection), retired (replaced by a newer version; dropped_at says when its schema was dropped),
 * abandoned (a rebuild given up: failed and replaced, or cancelled; its schema is dropped at once).
 * builder: null = any process running the projection may build this version; otherwise only the process
 * (ProjectionSupervisor id) that started the rebuild with its own projection instance.
 * config: what a process needs to construct the version's projection instance (e.g. a definition reference);
 * null = the default instance.
 *
 * Also adds the checkpoint state 'retired': the checkpoint of a retired or abandoned version; a batch never
 * runs on it again (batches need 'running') and restartProjection refuses it.
 */
export class CreateProjectionVersions1732410000000 implements EventStoreMigration {
  readonly name = 'CreateProjectionVersions1732410000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE projection_versions (
        projection      text NOT NULL CHECK (projection ~ '^[a-z][a-z0-9_]*$'),
        version         int NOT NULL CHECK (version > 0),
        schema_name     text NOT NULL UNIQUE CHECK (schema_name ~ '^[a-z][a-z0-9_]*$'),
        checkpoint_name text NOT NULL UNIQUE REFERENCES projection_checkpoints (name),
        state           text NOT NULL CHECK (state IN ('building', 'active', 'retired', 'abandoned')),
        builder         text,
        config          jsonb,
        created_at      timestamptz NOT NULL DEFAULT now(),
        activated_at    timestamptz,
        retired_at      timestamptz,
        dropped_at      timestamptz,
        PRIMARY KEY (projection, version),
        CONSTRAINT projection_versions_activated_ck CHECK (state NOT IN ('active', 'retired') OR activated_at IS NOT NULL)
      )
    `);
    // At most one active and one building version per projection.
    await queryRunner.query(`CREATE UNIQUE INDEX projection_versions_one_active ON projection_versions (projection) WHERE state = 'active'`);
    await queryRunner.query(`CREATE UNIQUE INDEX projection_versions_one_building ON projection_versions (projection) WHERE state = 'building'`);
    await queryRunner.query('ALTER TABLE projection_checkpoints DROP CONSTRAINT projection_checkpoints_state_check');
    await queryRunner.query(`
      ALTER TABLE projection_checkpoints ADD CONSTRAINT projection_checkpoints_state_check
        CHECK (state IN ('running', 'stopped', 'failed', 'rebuilding', 'retired'))
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS projection_versions');
    await queryRunner.query(`DELETE FROM projection_checkpoints WHERE state = 'retired'`);
    await queryRunner.query('ALTER TABLE projection_checkpoints DROP CONSTRAINT projection_checkpoints_state_check');
    await queryRunner.query(`
      ALTER TABLE projection_checkpoints ADD CONSTRAINT projection_checkpoints_state_check
        CHECK (state IN ('running', 'stopped', 'failed', 'rebuilding'))
    `);
  }
}
