import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphQLResponse } from '../api/graphql-client.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI_MAIN = path.join(ROOT, 'dist/apps/cli/src/main.js');

/** Runs the built `ledger` CLI (npm test builds first) against `databaseUrl`; its exit code, stdout and stderr. */
export function ledger(databaseUrl: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A read query with minPosition, asked again while the projections are still behind (a 23,000-event import
 * can take longer to project than one minPosition wait on a loaded machine).
 */
export async function queryWhenProjected<T>(ask: () => Promise<GraphQLResponse<T>>, timeoutMs = 90_000): Promise<GraphQLResponse<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await ask();
    if (result.errors?.[0]?.extensions?.code !== 'PROJECTION_BEHIND' || Date.now() > deadline) return result;
  }
}
