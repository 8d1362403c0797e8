import type { QueryRunner } from 'typeorm';
import type { EventStoreMigration } from '../../../event-store/src/migrations/index.js';

/**
 * One checkpoint row per projection. The runner locks it (FOR UPDATE NOWAIT) for each batch and advances it
 * in the same transaction as the projection's writes, so a read model and its position never disagree.
 *
 * The position is the feed's pair (transaction_id, global_position); '0'/0 is the start of the feed.
 * state: running (applies batches), stopped (paused by an operator), failed (a poison event stopped it:
 * error and failed_event_id say which; it is never skipped), rebuilding (reserved for blue/green rebuilds).
 */
export class CreateProjectionCheckpoints1732400000000 implements EventStoreMigration {
  readonly name = 'CreateProjectionCheckpoints1732400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE projection_checkpoints (
        name             text PRIMARY KEY CHECK (name <> ''),
        transaction_id   xid8 NOT NULL DEFAULT '0',
        global_position  bigint NOT NULL DEFAULT 0 CHECK (global_position >= 0),
        state            text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'stopped', 'failed', 'rebuilding')),
        error            text,
        failed_event_id  uuid,
        events_processed bigint NOT NULL DEFAULT 0 CHECK (events_processed >= 0),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        -- a failure always says what failed
        CONSTRAINT projection_checkpoints_failure_ck CHECK (state <> 'failed' OR error IS NOT NULL)
      )
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS projection_checkpoints');
  }
}
