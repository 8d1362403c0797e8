import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type AppConfig } from '../../api/src/config/app-config.js';
import type { CliCommand, ParsedArgs } from './cli-command.js';
import { CliContext } from './cli-context.js';
import { COMMANDS } from './commands/index.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';

/**
 * `ledger`: the command line of Funnel Ledger (README, "The command line"). It talks to the same storage as the
 * API: DATABASE_URL, or the embedded PostgreSQL under DATA_DIR (reusing the server of a running API when there
 * is one). `ledger help` lists the commands; every command takes `--help` and `--json`.
 */
export interface CliRunOptions {
  /** Environment the configuration is read from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Builds the command's context (default: stdout/stderr of the process, no interruption signal). */
  ctxFactory?: (config: AppConfig) => CliContext;
  /** Where help and usage text go (default process.stdout / process.stderr). */
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export async function runCli(argv: readonly string[], options: CliRunOptions | ((config: AppConfig) => CliContext) = {}): Promise<ExitCode> {
  const { env = process.env, ctxFactory = (c: AppConfig) => new CliContext(c), stdout = process.stdout, stderr = process.stderr } =
    typeof options === 'function' ? { ctxFactory: options } : options;
  const words = argv.filter((a) => !a.startsWith('-'));
  if (argv.length === 0 || words[0] === 'help' || (words.length === 0 && argv.includes('--help'))) {
    stdout.write(helpText());
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const command = findCommand(argv);
  if (!command) {
    stderr.write(`Unknown command: ledger ${words.slice(0, 2).join(' ')}\n\n${helpText()}`);
    return EXIT.usage;
  }
  const rest = dropWords(argv, command.words.length);
  let args: ParsedArgs;
  try {
    const parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { ...(command.options ?? {}), json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (parsed.values.help) {
      stdout.write(commandHelp(command));
      return EXIT.ok;
    }
    args = { positionals: parsed.positionals, values: parsed.values as ParsedArgs['values'], json: parsed.values.json === true };
  } catch (error) {
    stderr.write(`${(error as Error).message}\n\n${commandHelp(command)}`);
    return EXIT.usage;
  }

  let config;
  try {
    config = loadConfig({ LOG_LEVEL: 'warn', ...env });
  } catch (error) {
    if (error instanceof ConfigError) {
      stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  const ctx = ctxFactory(config);
  try {
    return await command.run(ctx, args);
  } catch (error) {
    if (error instanceof CliError) {
      if (args.json) ctx.printJson({ error: { message: error.message, exitCode: error.exitCode } });
      stderr.write(`ledger ${command.words.join(' ')}: ${error.message}\n`);
      return error.exitCode;
    }
    // The stack only on request: a script's log wants the reason (LOG_LEVEL=debug shows where).
    const detail = error instanceof Error ? (config.logLevel === 'debug' || config.logLevel === 'trace' ? (error.stack ?? error.message) : error.message) : String(error);
    if (args.json) ctx.printJson({ error: { message: error instanceof Error ? error.message : String(error), exitCode: EXIT.failed } });
    stderr.write(`ledger ${command.words.join(' ')} failed: ${detail}\n`);
    return EXIT.failed;
  } finally {
    await ctx.close().catch((error: unknown) => stderr.write(`closing the storage failed: ${(error as Error).message}\n`));
  }
}

/** The command whose words start argv (longest match first: 'scenario run' before 'scenario'). */
function findCommand(argv: readonly string[]): CliCommand | undefined {
  const words = leadingWords(argv);
  return [...COMMANDS]
    .sort((a, b) => b.words.length - a.words.length)
    .find((c) => c.words.every((w, i) => words[i] === w));
}

function leadingWords(argv: readonly string[]): string[] {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  return words;
}

function dropWords(argv: readonly string[], count: number): string[] {
  return argv.slice(count);
}

function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => `ledger ${c.words.join(' ')} ${c.usage}`.length));
  const lines = COMMANDS.map((c) => `  ${`ledger ${c.words.join(' ')} ${c.usage}`.padEnd(width)}  ${c.summary}`);
  return [
    'Funnel Ledger command line',
    '',
    'Usage:',
    ...lines,
    '',
    'Every command takes --help and --json (a machine-readable result on stdout).',
    'Storage: DATABASE_URL, or the embedded PostgreSQL under DATA_DIR (default ./data); see README.',
    'Exit codes: 0 done, 1 failed, 2 usage or configuration error, 3 not found, 4 conflict, 130 interrupted.',
    '',
  ].join('\n');
}

function commandHelp(command: CliCommand): string {
  return [`Usage: ledger ${command.words.join(' ')} ${command.usage}`.trimEnd(), '', command.summary, ...(command.details ? ['', command.details] : []), ''].join('\n');
}
