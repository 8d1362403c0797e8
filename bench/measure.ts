import { performance } from 'node:perf_hooks';

/** Timing helpers shared by the benchmarks. */

export interface Throughput {
  /** Median over the runs, events per second. */
  eventsPerSecond: number;
  /** Every run's figure, in run order (the spread shows how noisy the machine was). */
  runs: number[];
  eventsPerRun: number;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(sortedValues: number[], p: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const index = Math.min(sortedValues.length - 1, Math.max(0, Math.ceil((p / 100) * sortedValues.length) - 1));
  return sortedValues[index]!;
}

export function throughput(runs: number[], eventsPerRun: number): Throughput {
  return { eventsPerSecond: median(runs), runs, eventsPerRun };
}

/** A full collection when node runs with --expose-gc (npm run bench does): one measurement's garbage is not the next one's. */
export const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

/** One thing to measure: its input is built before the clock starts, then `run` is timed. */
export interface Contender<I = unknown> {
  name: string;
  /** Builds the input of one chunk (fresh streams and ids every time); may touch the database. */
  setup(run: number, round: number): I | Promise<I>;
  run(input: I): Promise<void>;
}

/**
 * Interleaved measurement for a noisy machine: every run is cut into rounds, and in each round every
 * contender does one chunk, in an order that rotates from round to round. Load from other processes then
 * falls on all contenders alike, so ratios taken within a run stay meaningful even when absolute figures
 * swing. Returns, per contender, the seconds of each run (sum of its chunks).
 */
export async function interleaved(
  // each contender has its own input type
  contenders: Contender<any>[],
  options: { runs: number; rounds: number; beforeChunk?: () => Promise<void>; onRun?: (run: number, seconds: number[]) => void },
): Promise<number[][]> {
  const seconds = contenders.map(() => [] as number[]);
  for (let run = 0; run < options.runs; run++) {
    const total = contenders.map(() => 0);
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const index = (k + round + run) % contenders.length;
        const contender = contenders[index]!;
        const input = await contender.setup(run, round);
        await options.beforeChunk?.();
        collectGarbage();
        const start = performance.now();
        await contender.run(input);
        total[index]! += (performance.now() - start) / 1000;
      }
    }
    total.forEach((s, i) => seconds[i]!.push(s));
    options.onRun?.(run, total);
  }
  return seconds;
}
