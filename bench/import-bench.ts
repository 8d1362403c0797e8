import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CLI_NODE_FLAGS } from '../apps/cli/src/node-flags.js';
import { uuidv7, type NewEvent } from '../libs/event-store/src/index.js';
import { BARE_TABLE_SQL, quiesce, rawCopy } from './append-bench.js';
import { connectClient } from './db.js';
import { collectGarbage, median } from './measure.js';
import type { BenchBatch } from './payload.js';

/**
 * The NDJSON import, run as users run it: `ledger import file.ndjson --json` in its own process with the CLI's
 * node flags (read twice, parse, group and sort per lead, decide every event, append 1,000-event batches of many
 * leads through the store's multi-stream path). The rate is the one the command reports (events imported over
 * the import's own seconds, from opening the file to the last commit), so the CLI's start-up (loading modules,
 * connecting, checking migrations) is not counted; the wall time with start-up is logged beside it. Against the raw COPY
 * baseline of the same events on the same server in the same run: COPY of the same rows into a bare table, one
 * COPY per 1,000 rows, no hashing, checks or indexes. Target: >= 30,000 events/s.
 */
export const IMPORT_TARGET_EVENTS_PER_SECOND = 30_000;

export interface ImportBenchOptions {
  leads: number;
  runs: number;
  seed: number;
  log: (message: string) => void;
}

export interface ImportRun {
  importEventsPerSecond: number;
  /** Events over the child process's whole life, start-up included. */
  importWallEventsPerSecond: number;
  copyEventsPerSecond: number;
  ratio: number;
}

export interface ImportBenchResult {
  leads: number;
  events: number;
  fileBytes: number;
  runs: ImportRun[];
  /** Medians over the runs. */
  importEventsPerSecond: number;
  copyEventsPerSecond: number;
  ratio: number;
  pass: boolean;
}

interface Line {
  leadId: string;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

/** A deterministic PRNG (mulberry32): the same seed gives the same file. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHANNELS = ['web form', 'trade show', 'e-mail campaign', 'field sales', 'partner'];
const PRODUCTS = ['GTX Basic', 'GTX Pro', 'MG Special', 'MG Advanced'];

/** One lead's history, shaped like the funnel: captured, mostly scored and handed off, some accepted and closed. */
function leadHistory(label: string, i: number, next: () => number): Line[] {
  const leadId = `${label}-${i}`;
  let t = Date.UTC(2025, 0, 1) + Math.floor(next() * 300) * 86_400_000 + Math.floor(next() * 86_400) * 1000;
  const at = () => new Date((t += Math.floor(1 + next() * 10 * 86_400) * 1000)).toISOString();
  const origin = next() < 0.8 ? 'MARKETING' : 'SALES';
  const lines: Line[] = [
    {
      leadId,
      type: 'ResponderCaptured',
      occurredAt: new Date(t).toISOString(),
      data: {
        channel: CHANNELS[Math.floor(next() * CHANNELS.length)],
        origin,
        campaign: next() < 0.3 ? null : `campaign-${Math.floor(next() * 40)}`,
        account: { name: `Account ${Math.floor(next() * 5000)}`, industry: 'retail', country: 'FR' },
        attributes: { product: PRODUCTS[Math.floor(next() * PRODUCTS.length)]! },
      },
    },
  ];
  if (origin === 'MARKETING') {
    lines.push({ leadId, type: 'LeadScored', occurredAt: at(), data: { budget: 15, authority: 15, need: 20, timeframe: 15, trust: 10 } });
    if (next() < 0.5) return lines;
    lines.push({ leadId, type: 'HandedOff', occurredAt: at(), data: { ownerId: `rep-${Math.floor(next() * 50)}`, team: 'emea' } });
  }
  if (next() < 0.4) return lines;
  lines.push({ leadId, type: 'Accepted', occurredAt: at(), data: { by: `rep-${Math.floor(next() * 50)}` } });
  const close = next();
  if (close < 0.4) lines.push({ leadId, type: 'Won', occurredAt: at(), data: { amount: 1000 + Math.floor(next() * 50_000), currency: 'EUR' } });
  else if (close < 0.7) lines.push({ leadId, type: 'Lost', occurredAt: at(), data: { reason: 'budget' } });
  return lines;
}

/** Writes the NDJSON file; returns its event count and size. */
async function writeHistory(file: string, label: string, leads: number, seed: number): Promise<{ events: number; bytes: number }> {
  const next = random(seed);
  const out = createWriteStream(file);
  let events = 0;
  let bytes = 0;
  for (let i = 0; i < leads; i++) {
    let chunk = '';
    for (const line of leadHistory(label, i, next)) {
      chunk += `${JSON.stringify(line)}\n`;
      events++;
    }
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return { events, bytes };
}

/**
 * The file's events as store events, 1,000 per batch, for the COPY baseline. Built from the file just before the
 * COPY is timed and dropped after it, so the import is never timed with them filling the heap.
 */
async function copyBatches(file: string, label: string): Promise<BenchBatch[]> {
  const metadata = { actor: { type: 'import' as const, id: 'bench' }, correlationId: null, causationId: null };
  const batches: BenchBatch[] = [];
  let batch: NewEvent[] = [];
  const flush = () => {
    batches.push({ streamId: `${label}-copy`, revisionBefore: 0, events: batch, hashes: batch.map(() => 'ab'.repeat(32)) });
    batch = [];
  };
  for (const text of (await readFile(file, 'utf8')).split('\n')) {
    if (text === '') continue;
    const line = JSON.parse(text) as Line;
    batch.push({ eventId: uuidv7(), type: line.type, schemaVersion: 1, data: line.data, metadata, occurredAt: new Date(line.occurredAt) });
    if (batch.length === 1000) flush();
  }
  if (batch.length > 0) flush();
  return batches;
}

/** A full collection before a timed method (the bench runs with --expose-gc; without it, nothing). */
export async function runImportBench(databaseUrl: string, options: ImportBenchOptions): Promise<ImportBenchResult> {
  const { leads, runs, seed, log } = options;
  const dir = await mkdtemp(path.join(tmpdir(), 'fl-bench-import-'));
  const client = await connectClient(databaseUrl);
  try {
    await client.query(BARE_TABLE_SQL);
    const results: ImportRun[] = [];
    let events = 0;
    let fileBytes = 0;
    for (let run = 0; run < runs; run++) {
      const file = path.join(dir, `history-${run}.ndjson`);
      const history = await writeHistory(file, `imp${run}`, leads, seed + run);
      events = history.events;
      fileBytes = history.bytes;
      let wall = 0;
      // The two take turns (COPY first in even runs), each after a checkpoint, so load elsewhere hits both alike.
      const measure = {
        copy: async () => {
          const batches = await copyBatches(file, `imp${run}`);
          collectGarbage();
          await quiesce(client);
          const start = performance.now();
          await rawCopy(client, batches);
          return history.events / ((performance.now() - start) / 1000);
        },
        import: async () => {
          collectGarbage(); // this process's heap stays small while the child imports
          await quiesce(client);
          const start = performance.now();
          const report = await ledgerImport(databaseUrl, file, path.join(dir, `history-${run}.report.json`));
          wall = history.events / ((performance.now() - start) / 1000);
          if (report.events.imported !== history.events || report.leads.rejected > 0) {
            throw new Error(`import bench: ${report.events.imported} of ${history.events} events imported, ${report.leads.rejected} leads rejected`);
          }
          return report.events.imported / report.seconds;
        },
      };
      const order = run % 2 === 0 ? (['copy', 'import'] as const) : (['import', 'copy'] as const);
      const rate: Record<string, number> = {};
      for (const name of order) rate[name] = await measure[name]();
      results.push({ importEventsPerSecond: rate.import!, importWallEventsPerSecond: wall, copyEventsPerSecond: rate.copy!, ratio: rate.import! / rate.copy! });
      const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
      log(`  run ${run + 1}/${runs}: import ${fmt(rate.import!)} ev/s (${fmt(wall)} with the CLI's start-up), COPY ${fmt(rate.copy!)} ev/s (${(100 * rate.import! / rate.copy!).toFixed(1)}%)`);
      await rm(file, { force: true });
    }
    const importEventsPerSecond = median(results.map((r) => r.importEventsPerSecond));
    return {
      leads,
      events,
      fileBytes,
      runs: results,
      importEventsPerSecond,
      copyEventsPerSecond: median(results.map((r) => r.copyEventsPerSecond)),
      ratio: median(results.map((r) => r.ratio)),
      pass: importEventsPerSecond >= IMPORT_TARGET_EVENTS_PER_SECOND,
    };
  } finally {
    await client.end().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

interface CliImportReport {
  events: { imported: number };
  leads: { rejected: number };
  seconds: number;
}

/** `ledger import <file> --json` in a child process with the CLI's node flags, against `databaseUrl`. */
function ledgerImport(databaseUrl: string, file: string, reportFile: string): Promise<CliImportReport> {
  const main = fileURLToPath(new URL('../apps/cli/src/main.js', import.meta.url));
  const child = spawn(process.execPath, [...CLI_NODE_FLAGS, main, 'import', file, '--json', '--report', reportFile, '--actor', 'bench'], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`import bench: ledger import exited ${code}: ${stderr.trim().slice(-2000)}`));
      try {
        resolve(JSON.parse(stdout) as CliImportReport);
      } catch {
        reject(new Error(`import bench: ledger import printed no JSON report: ${stdout.slice(0, 500)}`));
      }
    });
  });
}

export function renderImport(kind: string, result: ImportBenchResult): string {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  return [
    `\n  NDJSON import, ${kind} PostgreSQL: ${fmt(result.leads)} leads, ${fmt(result.events)} events (${(result.fileBytes / 1e6).toFixed(1)} MB), median of ${result.runs.length} runs`,
    `    raw COPY (same events, bare table, 1,000 rows per COPY)   ${fmt(result.copyEventsPerSecond).padStart(8)} ev/s   baseline`,
    `    ledger import (its own process; the rate it reports)        ${fmt(result.importEventsPerSecond).padStart(8)} ev/s   ${(100 * result.ratio).toFixed(1)}% of COPY   ` +
      `${result.pass ? 'PASS' : 'FAIL'} (target >= ${fmt(IMPORT_TARGET_EVENTS_PER_SECOND)} ev/s)`,
  ].join('\n');
}
