/**
 * Configuration from the environment, validated once at start-up. Every problem is reported together, each
 * with the variable name and what to do, so a misconfigured deployment fails fast with one readable message.
 */
export interface AppConfig {
  /** External PostgreSQL; null = start the embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  embeddedPostgresPort: number;
  host: string;
  port: number;
  logLevel: LogLevel;
  /** Currency of a Won event when the caller gives none. */
  defaultCurrency: string;
  /** How often a command without `expectedRevision` is retried after a concurrent write. */
  commandRetryLimit: number;
  databasePoolSize: number;
  /** Run the read-model projections in this process (one runner per projection is active across processes). */
  runProjections: boolean;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const text = (name: string): string | null => {
    const value = env[name]?.trim();
    return value ? value : null;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}=${raw} is not valid: use a whole number from ${min} to ${max} (default ${fallback}).`);
      return fallback;
    }
    return value;
  };

  const databaseUrl = text('DATABASE_URL');
  if (databaseUrl !== null) {
    let url: URL | null = null;
    try {
      url = new URL(databaseUrl);
    } catch {
      problems.push('DATABASE_URL is not a URL: use postgres://user:password@host:5432/database, or unset it to use the embedded PostgreSQL.');
    }
    if (url && url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      problems.push(`DATABASE_URL must start with postgres:// or postgresql:// (got ${url.protocol}//).`);
    }
    if (url && url.pathname.replace('/', '') === '') {
      problems.push('DATABASE_URL names no database: add it to the path, e.g. postgres://postgres@127.0.0.1:5432/funnel_ledger.');
    }
  }

  const logLevel = (text('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    problems.push(`LOG_LEVEL=${logLevel} is not valid: use one of ${LOG_LEVELS.join(', ')}.`);
  }

  const runProjectionsText = (text('RUN_PROJECTIONS') ?? 'true').toLowerCase();
  if (!['true', 'false'].includes(runProjectionsText)) {
    problems.push(`RUN_PROJECTIONS=${runProjectionsText} is not valid: use true or false.`);
  }

  const defaultCurrency = (text('DEFAULT_CURRENCY') ?? 'USD').toUpperCase();
  if (!/^[A-Z]{3}$/.test(defaultCurrency)) {
    problems.push(`DEFAULT_CURRENCY=${defaultCurrency} is not an ISO 4217 code: use three letters such as USD or EUR.`);
  }

  const config: AppConfig = {
    databaseUrl,
    dataDir: text('FUNNEL_DATA_DIR') ?? './data',
    embeddedPostgresPort: integer('EMBEDDED_PG_PORT', 54329, 1024, 65535),
    host: text('HOST') ?? '127.0.0.1',
    port: integer('PORT', 3000, 0, 65535),
    logLevel: logLevel as LogLevel,
    defaultCurrency,
    commandRetryLimit: integer('COMMAND_RETRY_LIMIT', 5, 0, 100),
    databasePoolSize: integer('DATABASE_POOL_SIZE', 20, 1, 500),
    runProjections: runProjectionsText !== 'false',
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
