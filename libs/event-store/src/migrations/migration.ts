import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Event store migrations are TypeORM migrations: raw SQL through the query runner, names ending in a timestamp. */
export type EventStoreMigration = MigrationInterface & { readonly name: string };
export type MigrationQueryRunner = Pick<QueryRunner, 'query'>;
