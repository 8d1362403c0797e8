import type { CliCommand } from '../cli-command.js';
import { EXIT } from '../exit-codes.js';
import { MIGRATIONS_TABLE } from '../../../../libs/event-store/src/index.js';

/** Opening the storage runs every pending migration; this command does only that (deployments run it first). */
export const migrateCommand: CliCommand = {
  words: ['migrate'],
  usage: '',
  summary: 'Apply pending database migrations (event store, projections, read models) and exit',
  async run(ctx, args) {
    const storage = await ctx.storage();
    const { rows } = await storage.pool.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY "timestamp" DESC LIMIT 1`);
    const latest = rows[0]?.name ?? null;
    if (args.json) ctx.printJson({ storage: storage.kind, latestMigration: latest });
    else ctx.print(`Database is up to date (${storage.kind} PostgreSQL; latest migration ${latest ?? 'unknown'}).`);
    return EXIT.ok;
  },
};
