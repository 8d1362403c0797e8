import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_NODE_FLAGS } from '../apps/api/src/node-flags.js';

/** dist/bench/api-process.js -> dist/apps/api/src/main.js */
const API_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../apps/api/src/main.js');

export interface ApiProcess {
  /** http://127.0.0.1:<port>/graphql */
  graphqlUrl: string;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The API as production runs it: its own process (`npm run start:api`: dist/apps/api, API_NODE_FLAGS), projections
 * off (the worker's job), on `databaseUrl`. Resolves once /health answers. The bench process seeds millions of events
 * and keeps their garbage; the API it measures must not share that heap.
 */
export async function startApiProcess(databaseUrl: string): Promise<ApiProcess> {
  const port = await freePort();
  // BENCH_API_NODE_ARGS: more node flags for the API, e.g. "--cpu-prof --cpu-prof-dir=DIR" (a CPU profile of the replay).
  const extra = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...API_NODE_FLAGS, ...extra, API_MAIN], {
    env: { ...process.env, DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', RUN_PROJECTIONS: 'false' },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderr = (stderr + chunk.toString('utf8')).slice(-2000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const base = `http://127.0.0.1:${port}`;
  const readyBy = performance.now() + 60_000;
  try {
    for (;;) {
      const healthy = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (healthy) break;
      if (performance.now() > readyBy) throw new Error('the API did not answer /health within 60 s');
      const code = await Promise.race([exited, new Promise<'tick'>((r) => setTimeout(() => r('tick'), 100))]);
      if (code !== 'tick') throw new Error(`the API exited (code ${code}) before it was ready: ${stderr.trim()}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { graphqlUrl: `${base}/graphql`, stop };
}
