#!/usr/bin/env -S node --max-semi-space-size=64
import 'reflect-metadata';
import { runCli } from './cli.js';
import { CliContext } from './cli-context.js';
import { EXIT } from './exit-codes.js';

// The first Ctrl-C asks the running command to stop cleanly (ctx.signal); a second one quits at once.
const interruption = new AbortController();
process.on('SIGINT', () => {
  if (interruption.signal.aborted) process.exit(EXIT.interrupted);
  process.stderr.write('\nInterrupted: stopping cleanly (Ctrl-C again to quit at once)\n');
  interruption.abort();
});

runCli(process.argv.slice(2), { ctxFactory: (config) => new CliContext(config, interruption.signal) }).then(
  (code) => process.exit(interruption.signal.aborted && code === EXIT.ok ? EXIT.interrupted : code),
  (error: unknown) => {
    process.stderr.write(`ledger failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(EXIT.failed);
  },
);
