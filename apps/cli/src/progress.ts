/**
 * A progress line for long commands (import, scenario run): done/total, percent, rate and ETA. On a terminal
 * it redraws one line on stderr; elsewhere (CI logs, pipes) it prints a plain line at most every `everyMs`, so
 * logs stay readable. stdout is left to the command's result.
 */
export interface ProgressOptions {
  label: string;
  /** Unit of the rate, e.g. 'events'. */
  unit: string;
  stream?: NodeJS.WriteStream;
  /** Minimum interval between plain lines when stderr is not a terminal (default 5000 ms). */
  everyMs?: number;
  /** Disable all output (e.g. with --json --quiet). */
  silent?: boolean;
  now?: () => number;
}

export class ProgressBar {
  private readonly stream: NodeJS.WriteStream;
  private readonly startedAt: number;
  private lastDrawnAt = 0;
  private drawn = false;
  private readonly now: () => number;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? (() => Date.now());
    this.startedAt = this.now();
  }

  /** Reports progress; `total` null = unknown (no percent or ETA). */
  update(done: number, total: number | null): void {
    if (this.options.silent) return;
    const now = this.now();
    const tty = this.stream.isTTY === true;
    if (now - this.lastDrawnAt < (tty ? 100 : (this.options.everyMs ?? 5000))) return;
    this.lastDrawnAt = now;
    const line = formatProgress(this.options.label, this.options.unit, done, total, (now - this.startedAt) / 1000, tty ? 24 : 0);
    if (tty) {
      this.stream.write(`\r${line}\x1b[K`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** Final line (always drawn), then a newline on a terminal. */
  finish(done: number, total: number | null): void {
    if (this.options.silent) return;
    const tty = this.stream.isTTY === true;
    const line = formatProgress(this.options.label, this.options.unit, done, total, (this.now() - this.startedAt) / 1000, tty ? 24 : 0);
    this.stream.write(tty ? `\r${line}\x1b[K\n` : `${line}\n`);
    this.drawn = false;
  }

  /** Ends a redrawn line before other output (e.g. an error message). */
  interrupt(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

/** '[#####-----]  42.0%  420,000/1,000,000 events  12,345 events/s  ETA 47s' (bar only when width > 0). */
export function formatProgress(label: string, unit: string, done: number, total: number | null, elapsedSeconds: number, width: number): string {
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const parts = [label];
  if (total !== null && total > 0) {
    const fraction = Math.min(1, done / total);
    if (width > 0) {
      const filled = Math.round(fraction * width);
      parts.push(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`);
    }
    parts.push(`${(fraction * 100).toFixed(1).padStart(5)}%`, `${group(done)}/${group(total)} ${unit}`);
  } else {
    parts.push(`${group(done)} ${unit}`);
  }
  parts.push(`${group(Math.round(rate))} ${unit}/s`);
  if (total !== null && total > 0 && rate > 0 && done < total) parts.push(`ETA ${duration((total - done) / rate)}`);
  else if (total !== null && done >= total) parts.push(`in ${duration(elapsedSeconds)}`);
  return parts.join('  ');
}

function group(n: number): string {
  return n.toLocaleString('en-US');
}

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
