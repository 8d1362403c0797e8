/**
 * Exit codes of the `ledger` CLI, stable for scripts (README, "The command line"):
 * 0 done; 1 the operation ran and found or caused a failure (e.g. a broken hash chain, rejected import rows,
 * a failed scenario); 2 bad usage or configuration (unknown command, missing argument, invalid document);
 * 3 something named does not exist; 4 a conflict with the ledger's state (e.g. a rebuild already running);
 * 130 interrupted (Ctrl-C).
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A refusal a command reports with its exit code and one readable message (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}
