// The projection runner: exactly-once read models fed from the event store's global feed.
export type { Projection, ProjectionTransaction } from './projection.js';
export { SpeculationFailedError } from './projection.js';
export { ProjectionRunner, type ProjectionRunnerOptions, type RunnerVersion, type RunResult, type RunnerStatus } from './projection-runner.js';
export {
  ProjectionSupervisor,
  type ProjectionSupervisorOptions,
  type RebuildOptions,
  type SupervisedProjection,
} from './supervisor.js';
export {
  activeVersionOf,
  projectionVersions,
  versionTables,
  beginRebuild,
  cancelRebuild,
  swapVersion,
  dropRetiredVersion,
  eventsBehindActive,
  ProjectionNotVersionedError,
  RebuildInProgressError,
  VersionMismatchError,
  type ProjectionVersion,
  type VersionState,
  type SwapOutcome,
  type SwapOptions,
  type BeginRebuildOptions,
} from './versions.js';
export { createVersionTables, completeVersionTables, completeBuildTables, missingIndexes, type IndexDefinition } from './version-tables.js';
export {
  projectionStatus,
  hasReached,
  waitUntilReached,
  LAG_EXACT_LIMIT,
  ProjectionNotRunningError,
  ProjectionWaitTimeoutError,
  type ProjectionStatus,
} from './projection-status.js';
export {
  ensureCheckpointRow,
  restartProjection,
  restartCheckpoint,
  pauseProjection,
  CheckpointConflictError,
  ProjectionSchemaMissingError,
  UnknownProjectionError,
  type ProjectionState,
} from './checkpoints.js';
export { LEADERSHIP_LOCK_NAMESPACE } from './leadership.js';
export {
  ISOLATED_CHECKPOINT_PREFIX,
  IsolatedBuildNotFoundError,
  IsolatedBuildRunningError,
  boundedFeed,
  cancelIsolatedBuild,
  createIsolatedBuild,
  deleteIsolatedBuild,
  isolatedBuild,
  isolatedBuilds,
  runIsolatedBuild,
  touchIsolatedBuild,
  type CreateIsolatedBuildSpec,
  type IsolatedBuild,
  type IsolatedBuildKind,
  type IsolatedBuildStatus,
  type RunIsolatedBuildOptions,
  type RunIsolatedBuildOutcome,
} from './isolated-builds.js';
export { isRetryable, describeError } from './failures.js';
export {
  PROJECTION_MIGRATIONS,
  ALL_MIGRATIONS,
  CreateProjectionCheckpoints1732400000000,
  CreateProjectionVersions1732410000000,
} from './migrations/index.js';
