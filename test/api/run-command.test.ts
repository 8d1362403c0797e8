import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '../../libs/event-store/src/index.js';
import { graphqlClient, MUTATIONS, TIMELINE_QUERY } from './graphql-client.js';

// README's run command is `npm install && npm start`; `npm start` builds and runs dist/apps/api/src/main.js, which
// this test starts as a newcomer would: no DATABASE_URL, so the API starts its own embedded PostgreSQL.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const main = path.join(root, 'dist/apps/api/src/main.js');

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function waitForHealth(baseUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${baseUrl}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`API did not become healthy:\n${output()}`);
}

describe('the run command with no PostgreSQL configured', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'funnel-ledger-run-'));
  // As root the embedded server runs as the 'postgres' user, which must be able to enter the data directory.
  chmodSync(dataDir, 0o755);
  let child: ChildProcess | null = null;
  let logs = '';

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts the API on an embedded PostgreSQL, records a lead to won over HTTP, and stops cleanly', async () => {
    expect(existsSync(main)).toBe(true); // `npm test` builds first
    const [port, pgPort] = [await findFreePort(), await findFreePort()];
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), FUNNEL_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    delete env.DATABASE_URL;
    child = spawn(process.execPath, [main], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (logs += chunk.toString()));

    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForHealth(baseUrl, child, () => logs);
    expect(await (await fetch(`${baseUrl}/health`)).json()).toEqual({ status: 'ok', storage: 'embedded', eventStore: 'up' });
    expect(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    // Structured logs: one JSON object per line.
    const firstLine = logs.split('\n').find((line) => line.trim().startsWith('{'));
    expect(firstLine && JSON.parse(firstLine)).toMatchObject({ level: expect.any(Number), msg: expect.any(String) });

    const gql = graphqlClient(baseUrl);
    const headers = { 'x-actor-id': 'newcomer' };
    const leadId = 'first-lead';
    const calls: [string, Record<string, unknown>][] = [
      [MUTATIONS.capture, { leadId, channel: 'web form', origin: 'MARKETING' }],
      [MUTATIONS.score, { leadId, budget: 20, authority: 20, need: 20, timeframe: 10, trust: 10 }],
      [MUTATIONS.handOff, { leadId, ownerId: 'sam' }],
      [MUTATIONS.accept, { leadId, by: 'sam' }],
      [MUTATIONS.won, { leadId, amount: 4200 }],
    ];
    for (const [mutation, input] of calls) {
      const result = await gql(mutation, { input }, headers);
      expect(result.errors).toBeUndefined();
    }
    const { data } = await gql(TIMELINE_QUERY, { id: leadId });
    const timeline = data!.lead.timeline;
    expect(timeline.map((e: any) => e.type)).toEqual(['ResponderCaptured', 'LeadScored', 'HandedOff', 'Accepted', 'Won']);
    for (const [index, event] of timeline.entries()) {
      expect(event.revision).toBe(index + 1);
      expect(event.position).toMatch(/^\d+$/);
      expect(event.actor).toEqual({ type: 'user', id: 'newcomer' });
      expect(Number.isNaN(Date.parse(event.occurredAt))).toBe(false);
      expect(Number.isNaN(Date.parse(event.recordedAt))).toBe(false);
    }
    expect(timeline[4].data.currency).toBe('USD');

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await portOpen(pgPort)).toBe(false); // the embedded PostgreSQL stopped with the API
  }, 180_000);

  it('exits with a clear message when its port is taken, and leaves no PostgreSQL running', async () => {
    const [port, pgPort] = [await findFreePort(), await findFreePort()];
    const blocker = net.createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), FUNNEL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
      delete env.DATABASE_URL;
      const failing = spawn(process.execPath, [main], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      failing.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      failing.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => failing.once('exit', resolve));
      expect(code).toBe(1);
      expect(output).toMatch(/failed to start: .*EADDRINUSE/);
      expect(await portOpen(pgPort)).toBe(false);
    } finally {
      blocker.close();
    }
  }, 120_000);

  it('refuses a bad configuration with the variable and the fix, before starting anything', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: 'eighty', DATABASE_URL: 'mysql://x@y/z' };
    const failing = spawn(process.execPath, [main], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    failing.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => failing.once('exit', resolve));
    expect(code).toBe(2);
    expect(output).toContain('Invalid configuration');
    expect(output).toContain('PORT=eighty is not valid');
    expect(output).toContain('DATABASE_URL must start with postgres://');
  });
});
