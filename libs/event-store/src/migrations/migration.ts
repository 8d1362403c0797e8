/**
 * The shape of a migration, structurally identical to TypeORM's MigrationInterface (a `name` ending in a
 * 13-digit timestamp, `up` and `down` running raw SQL through `queryRunner.query`), so these classes can be
 * handed to a TypeORM DataSource unchanged.
 */
export interface MigrationQueryRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export interface EventStoreMigration {
  readonly name: string;
  up(queryRunner: MigrationQueryRunner): Promise<void>;
  down(queryRunner: MigrationQueryRunner): Promise<void>;
}
