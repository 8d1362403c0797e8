/**
 * The waiting of a reader loop (subscriptions, projection runners): sleep until the poll interval passes, a
 * notification wakes it (`wake()`), or it is stopped (`stop()` ends every sleep at once). A wake that arrives
 * while the loop is working is remembered, so the loop reads again instead of sleeping through it.
 */
export class WakeableSleep {
  private wakeRequested = false;
  private stopped = false;
  private readonly sleepers = new Set<{ wakeable: boolean; end: () => void }>();

  /** Whether a wake arrived since the last `clearWake()`. */
  get woken(): boolean {
    return this.wakeRequested;
  }

  /** Call before a round of reading: wakes before this point are answered by that round. */
  clearWake(): void {
    this.wakeRequested = false;
  }

  wake(): void {
    this.wakeRequested = true;
    for (const sleeper of [...this.sleepers]) if (sleeper.wakeable) sleeper.end();
  }

  stop(): void {
    this.stopped = true;
    for (const sleeper of [...this.sleepers]) sleeper.end();
  }

  /** Waits `ms`; a wakeable sleep ends early on wake(), every sleep ends on stop(). */
  sleep(ms: number, wakeable = true): Promise<void> {
    if (this.stopped || (wakeable && this.wakeRequested)) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = {
        wakeable,
        end: () => {
          clearTimeout(timer);
          this.sleepers.delete(sleeper);
          resolve();
        },
      };
      const timer = setTimeout(sleeper.end, ms);
      this.sleepers.add(sleeper);
    });
  }
}

const MAX_BACKOFF_MS = 5000;

/** Exponential backoff with jitter after `failures` consecutive failures (100 ms doubling, at most 5 s). */
export function backoffDelay(failures: number): number {
  const base = Math.min(100 * 2 ** (failures - 1), MAX_BACKOFF_MS);
  return base / 2 + Math.random() * (base / 2);
}
