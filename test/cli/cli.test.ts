import { runLedger } from './run-ledger.js';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findFreePort, startEmbeddedPostgres } from '../../libs/event-store/src/embedded-postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** Runs the CLI in this process with its output captured. */
function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  return runLedger(argv, env);
}

describe('ledger CLI', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(() => db.drop());

  it('without arguments prints the commands and exits 2; help exits 0', async () => {
    const bare = await cli([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toContain('ledger migrate');
    expect(bare.stdout).toContain('Exit codes:');
    const help = await cli(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(bare.stdout);
  });

  it('refuses an unknown command or option with exit code 2 and the usage', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command: ledger frobnicate');
    const badOption = await cli(['migrate', '--bogus']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/Unknown option '--bogus'/);
    expect(badOption.stderr).toContain('Usage: ledger migrate');
  });

  it('names a bad configuration variable and exits 2 without touching any database', async () => {
    const result = await cli(['migrate'], { DATABASE_URL: 'mysql://nowhere/x' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DATABASE_URL must start with postgres://');
  });

  it('migrate applies every migration to an empty database and reports the latest (--json)', async () => {
    const result = await cli(['migrate', '--json'], { DATABASE_URL: db.url });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { storage: string; latestMigration: string };
    expect(report.storage).toBe('external');
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY "timestamp" DESC LIMIT 1');
      expect(report.latestMigration).toBe(rows[0]!.name);
    } finally {
      await admin.end();
    }
  });

  it('a failure is one line with the reason and exit code 1, and --json gets an error document', async () => {
    const url = new URL(db.url);
    url.pathname = '/fl_test_does_not_exist';
    const result = await cli(['migrate', '--json'], { DATABASE_URL: url.toString() });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('ledger migrate failed: database "fl_test_does_not_exist" does not exist\n');
    expect(JSON.parse(result.stdout)).toEqual({ error: { message: 'database "fl_test_does_not_exist" does not exist', exitCode: 1 } });
  });
});

describe('ledger CLI beside a running API on the embedded PostgreSQL', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fl-cli-test-'));
    await chmod(dir, 0o755);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('uses the server already running on the data directory and leaves it running', async () => {
    const port = await findFreePort();
    // What `npm start` leaves running: the embedded server under <FUNNEL_DATA_DIR>/postgres.
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port });
    try {
      const env = { ...process.env, DATABASE_URL: '', FUNNEL_DATA_DIR: dir, EMBEDDED_PG_PORT: String(port), LOG_LEVEL: 'warn' };
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['dist/apps/cli/src/main.js', 'migrate', '--json'], { env, cwd: path.resolve('.') });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('error', reject);
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ storage: 'embedded' });
      // The CLI did not stop the API's server: it still answers, migrated by the CLI.
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
        expect(rows[0]!.n).toBeGreaterThan(0);
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
    }
  }, 90_000);
});
