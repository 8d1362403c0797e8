import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findFreePort, startEmbeddedPostgres } from '../../libs/event-store/src/embedded-postgres.js';

describe('embedded PostgreSQL server', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fl-embedded-test-'));
    await chmod(dir, 0o755);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('initialises once, keeps its data across restarts, and creates the database', async () => {
    const dataDir = path.join(dir, 'cluster');
    const port = await findFreePort();
    const initLogs: string[] = [];
    const first = await startEmbeddedPostgres({ dataDir, port, database: 'ledger_test', onLog: (m) => initLogs.push(m) });
    expect(initLogs.join('')).toMatch(/running bootstrap script/); // initdb ran
    expect(first.url).toBe(`postgres://postgres:postgres@127.0.0.1:${port}/ledger_test`);
    await query(first.url, `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives a restart')`);
    await first.stop();

    const logs: string[] = [];
    const second = await startEmbeddedPostgres({ dataDir, port, database: 'ledger_test', onLog: (m) => logs.push(m) });
    try {
      expect(logs.join('')).not.toMatch(/running bootstrap script/); // no second initdb
      expect(logs.join('')).toMatch(/ready to accept connections/);
      expect(await query(second.url, 'SELECT v FROM kept')).toEqual([{ v: 'survives a restart' }]);
      expect(await query(second.url, `SELECT current_setting('idle_in_transaction_session_timeout') AS t, current_setting('max_connections') AS m`)).toEqual([
        { t: '1min', m: '200' },
      ]);
    } finally {
      await second.stop();
    }
  }, 60_000);

  it('says so when the port is taken', async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)));
    try {
      await expect(startEmbeddedPostgres({ dataDir: path.join(dir, 'unused'), port })).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('explains a data directory the postgres user cannot reach', async () => {
    if (process.getuid?.() !== 0) return; // the server only switches to the postgres user when run as root
    const closed = await mkdtemp(path.join(tmpdir(), 'fl-embedded-closed-')); // mode 0700
    try {
      await expect(startEmbeddedPostgres({ dataDir: path.join(closed, 'data'), port: await findFreePort() })).rejects.toThrow(
        `cannot enter ${closed}`,
      );
    } finally {
      await rm(closed, { recursive: true, force: true });
    }
  });
});

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(sql);
    return Array.isArray(result) ? result.at(-1)!.rows : result.rows;
  } finally {
    await client.end();
  }
}
