/** Tunables of scenarios and as-of builds (AppOptions.scenarios; tests shorten them). */
export interface ScenarioOptions {
  /** How long a read query with `asOf` waits for its build before answering AS_OF_BUILDING (ms, default 30,000). */
  asOfWaitMs: number;
  /** Completed as-of builds kept (least recently used beyond this are dropped; default 8). */
  asOfKeep: number;
  /** As-of builds unused for longer than this are dropped (ms, default 24 h). */
  asOfMaxIdleMs: number;
  /** How often a process looks for RUNNING builds nobody drives (ms, default 10,000; 0 = only at start). */
  resumeIntervalMs: number;
  /** Events per replay batch (default: the projection's, 5000); tests use tiny batches to watch a replay run. */
  replayBatchSize?: number;
}

export const SCENARIO_OPTIONS = Symbol('SCENARIO_OPTIONS');

export const DEFAULT_SCENARIO_OPTIONS: ScenarioOptions = {
  asOfWaitMs: 30_000,
  asOfKeep: 8,
  asOfMaxIdleMs: 24 * 3_600_000,
  resumeIntervalMs: 10_000,
};
