import type { QueryRunner } from 'typeorm';
import type { EventStoreMigration } from '../../../event-store/src/migrations/index.js';

/**
 * Where a bulk build stands (bulk-build.ts): a version or an isolated build filled from empty, whole streams at a
 * time in stream-id order, up to a target position fixed when it began. The three columns are set together while
 * it runs and cleared together in the transaction that moves the checkpoint to the target; bulk_after_stream is
 * the last stream written (every stream sorted at or before it is in the tables, nothing after it).
 */
export class AddBulkBuildCursor1732490000000 implements EventStoreMigration {
  readonly name = 'AddBulkBuildCursor1732490000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE projection_checkpoints
        ADD COLUMN bulk_target_transaction_id xid8,
        ADD COLUMN bulk_target_position bigint,
        ADD COLUMN bulk_after_stream text,
        ADD CONSTRAINT projection_checkpoints_bulk_ck CHECK (
          (bulk_target_transaction_id IS NULL) = (bulk_target_position IS NULL)
          AND (bulk_target_position IS NULL) = (bulk_after_stream IS NULL))
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE projection_checkpoints
        DROP CONSTRAINT projection_checkpoints_bulk_ck,
        DROP COLUMN bulk_target_transaction_id,
        DROP COLUMN bulk_target_position,
        DROP COLUMN bulk_after_stream
    `);
  }
}
