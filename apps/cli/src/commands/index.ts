import type { CliCommand } from '../cli-command.js';
import { migrateCommand } from './migrate.command.js';
import { DEFINITION_COMMANDS } from './definition.commands.js';
import { rebuildCommand } from './rebuild.command.js';
import { verifyCommand } from './verify.command.js';
import { planCommand } from './plan.command.js';
import { SCENARIO_COMMANDS } from './scenario.commands.js';
import { importCommand } from './import.command.js';

/** Every command of the `ledger` CLI; `ledger help` lists them in this order. */
export const COMMANDS: readonly CliCommand[] = [
  migrateCommand,
  ...DEFINITION_COMMANDS,
  ...SCENARIO_COMMANDS,
  rebuildCommand,
  verifyCommand,
  planCommand,
  importCommand,
];
