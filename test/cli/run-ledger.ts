import { PassThrough } from 'node:stream';
import { runCli } from '../../apps/cli/src/cli.js';
import { CliContext } from '../../apps/cli/src/cli-context.js';

export interface LedgerRun {
  code: number;
  stdout: string;
  stderr: string;
}

function collector() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  return { stream, text: () => chunks.join('') };
}

/**
 * Runs `ledger <argv>` in this process (runCli) with its output captured: `env` is all the configuration it
 * sees (LOG_LEVEL warn unless given), `signal` plays Ctrl-C.
 */
export async function runLedger(argv: string[], env: Record<string, string | undefined>, signal: AbortSignal = new AbortController().signal): Promise<LedgerRun> {
  const out = collector();
  const err = collector();
  const code = await runCli(argv, {
    env: { LOG_LEVEL: 'warn', ...env },
    stdout: out.stream,
    stderr: err.stream,
    ctxFactory: (config) => new CliContext(config, signal, out.stream, err.stream as unknown as NodeJS.WriteStream),
  });
  return { code, stdout: out.text(), stderr: err.text() };
}
