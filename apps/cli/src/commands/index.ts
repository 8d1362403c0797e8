import type { CliCommand } from '../cli-command.js';
import { migrateCommand } from './migrate.command.js';

/** Every command of the `ledger` CLI; `ledger help` lists them in this order. */
export const COMMANDS: readonly CliCommand[] = [
  migrateCommand,
];
