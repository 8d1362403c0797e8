import { ConfigError, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('defaults to the embedded PostgreSQL under ./data', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeNull();
    expect(config.dataDir).toBe('./data');
    expect(config.port).toBe(3000);
    expect(config.defaultCurrency).toBe('USD');
  });

  it('reads an external database and overrides', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/ledger', PORT: '8080', DEFAULT_CURRENCY: 'eur' });
    expect(config.databaseUrl).toBe('postgres://u@db:5432/ledger');
    expect(config.port).toBe(8080);
    expect(config.defaultCurrency).toBe('EUR');
  });

  it('reports every problem at once, naming the variable and the fix', () => {
    let error: unknown;
    try {
      loadConfig({ DATABASE_URL: 'mysql://x@y/z', PORT: 'eighty', LOG_LEVEL: 'loud', DEFAULT_CURRENCY: 'euro' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/DATABASE_URL must start with postgres:\/\//);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL=loud is not valid/);
    expect(problems.join('\n')).toMatch(/PORT=eighty is not valid: use a whole number/);
    expect(problems.join('\n')).toMatch(/DEFAULT_CURRENCY=EURO/);
  });

  it('refuses a database URL without a database name', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@db:5432' })).toThrow(/names no database/);
  });
});
