import type { ParseArgsConfig } from 'node:util';
import type { CliContext } from './cli-context.js';
import type { ExitCode } from './exit-codes.js';

/** Options of one command, in node:util parseArgs form (`--json` and `--help` are added to every command). */
export type CliOptions = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  /** Positional arguments after the command's words. */
  positionals: string[];
  /** Option values by name (parseArgs semantics: string | boolean | arrays for `multiple`). */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** `--json`: print one machine-readable JSON document on stdout instead of text. */
  json: boolean;
}

/**
 * One command of the `ledger` CLI, e.g. words ['definition', 'publish']. Commands print results on stdout
 * (`ctx.out`), progress and diagnostics on stderr (`ctx.err`), and return an exit code (exit-codes.ts); a
 * refusal is thrown as a CliError with its code.
 */
export interface CliCommand {
  words: readonly string[];
  /** `ledger <words> <usage>`, e.g. '<file.json> [--reason TEXT]'. */
  usage: string;
  /** One line for `ledger help`. */
  summary: string;
  /** More lines for `ledger <words> --help` (options, examples). */
  details?: string;
  options?: CliOptions;
  run(ctx: CliContext, args: ParsedArgs): Promise<ExitCode>;
}
