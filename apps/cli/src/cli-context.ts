import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext, Type } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from '../../api/src/config/app-config.js';
import { LedgerStorage } from '../../api/src/storage/ledger-storage.js';
import { CliModule } from './cli.module.js';

/**
 * What a command works with: its output streams and, opened on first use, the application context (storage
 * migrated, services constructed). Commands that need no database (help, usage errors) never open it.
 */
export class CliContext {
  private app: INestApplicationContext | null = null;

  constructor(
    readonly config: AppConfig,
    /** Aborted on Ctrl-C: long commands stop cleanly (a scenario is cancelled, an import ends after the current lead). */
    readonly signal: AbortSignal = new AbortController().signal,
    readonly out: NodeJS.WritableStream = process.stdout,
    readonly err: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Prints one line on stdout. */
  print(line = ''): void {
    this.out.write(`${line}\n`);
  }

  /** Prints a JSON document on stdout (the `--json` result). */
  printJson(value: unknown): void {
    this.out.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Prints a diagnostic line on stderr. */
  warn(line: string): void {
    this.err.write(`${line}\n`);
  }

  async open(): Promise<INestApplicationContext> {
    if (this.app) return this.app;
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(this.config), { logger: false, abortOnError: false });
    app.useLogger(app.get(Logger));
    await app.init();
    this.app = app;
    return app;
  }

  /** A service of the application context (opens it first). */
  async get<T>(type: Type<T> | symbol | string): Promise<T> {
    const app = await this.open();
    return app.get<T>(type as Type<T>, { strict: false });
  }

  async storage(): Promise<LedgerStorage> {
    const app = await this.open();
    return app.get(LedgerStorage as unknown as Type<LedgerStorage>);
  }

  async close(): Promise<void> {
    const app = this.app;
    this.app = null;
    await app?.close();
  }
}
