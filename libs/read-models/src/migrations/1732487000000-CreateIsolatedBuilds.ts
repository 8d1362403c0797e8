import type { QueryRunner } from 'typeorm';
import type { EventStoreMigration } from '../../../event-store/src/migrations/index.js';

/**
 * The registry of isolated builds of lead_funnel (libs/projections/src/isolated-builds.ts): replays of the
 * history into a schema of their own that no live reader sees.
 * - kind SCENARIO: a what-if replay under a candidate definition (runScenario), kept until deleted;
 * - kind AS_OF: a knowledge-time build (read queries with `asOf`): only the events recorded at or before
 *   `as_of`, under the definition live then; a cache, dropped by age and count.
 *
 * A build replays the feed up to a target fixed when it starts (target_transaction_id, target_position: the
 * feed head then); total_events counts the events up to it (those recorded at or before as_of for AS_OF).
 * Its checkpoint row (checkpoint_name, `isolated:<id>`) carries the progress while it runs; projectionStatus
 * leaves such rows out. status: RUNNING, COMPLETED, FAILED (error says why), CANCELLED (schema dropped).
 *
 * Lives with the read models (not libs/projections) so the projections library's own migration list stays as it is.
 */
export class CreateIsolatedBuilds1732487000000 implements EventStoreMigration {
  readonly name = 'CreateIsolatedBuilds1732487000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE isolated_builds (
        id                    text PRIMARY KEY CHECK (id ~ '^[a-z0-9]+$'),
        kind                  text NOT NULL CHECK (kind IN ('SCENARIO', 'AS_OF')),
        projection            text NOT NULL,
        name                  text NOT NULL,
        definition            jsonb NOT NULL,
        definition_ref        text NOT NULL,
        status                text NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')),
        schema_name           text NOT NULL UNIQUE CHECK (schema_name ~ '^[a-z][a-z0-9_]*$'),
        checkpoint_name       text NOT NULL UNIQUE,
        target_transaction_id xid8 NOT NULL,
        target_position       bigint NOT NULL,
        as_of                 timestamptz,
        total_events          bigint NOT NULL CHECK (total_events >= 0),
        processed_events      bigint NOT NULL DEFAULT 0,
        error                 text,
        created_by            text,
        started_at            timestamptz NOT NULL DEFAULT now(),
        finished_at           timestamptz,
        last_used_at          timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT isolated_builds_as_of_ck CHECK ((kind = 'AS_OF') = (as_of IS NOT NULL))
      )
    `);
    // One as-of build per (definition, as_of): concurrent queries for the same instant share it.
    await queryRunner.query(
      `CREATE UNIQUE INDEX isolated_builds_as_of_key ON isolated_builds (md5(definition::text), as_of) WHERE kind = 'AS_OF' AND status IN ('RUNNING', 'COMPLETED')`,
    );
    await queryRunner.query(`CREATE INDEX isolated_builds_kind_started ON isolated_builds (kind, started_at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const builds = (await queryRunner.query(`SELECT schema_name, checkpoint_name FROM isolated_builds`)) as { schema_name: string; checkpoint_name: string }[];
    for (const build of builds) {
      await queryRunner.query(`DROP SCHEMA IF EXISTS "${build.schema_name}" CASCADE`);
      await queryRunner.query(`DELETE FROM projection_checkpoints WHERE name = $1`, [build.checkpoint_name]);
    }
    await queryRunner.query('DROP TABLE isolated_builds');
  }
}
