import { DEFAULT_FUNNEL_DEFINITION } from '../../../../libs/domain/src/index.js';
import {
  ProjectionNotVersionedError,
  ProjectionSupervisor,
  RebuildInProgressError,
  beginRebuild,
  projectionStatus,
  projectionVersions,
  type ProjectionVersion,
} from '../../../../libs/projections/src/index.js';
import { definitionOfVersionConfig, referenceOfVersionConfig } from '../../../api/src/funnel/definition-stream.js';
import { rebuildConfig } from '../../../api/src/projections/projection-host.js';
import { readModelProjections, upcastRecordedEvent } from '../../../api/src/projections/read-model-projections.js';
import type { CliCommand } from '../cli-command.js';
import type { CliContext } from '../cli-context.js';
import { CliError, EXIT, UsageError } from '../exit-codes.js';
import { ProgressBar } from '../progress.js';

/** How long a building version may go without a leading runner before `--wait` builds it in this process (ms). */
const NO_BUILDER_GRACE_MS = 3000;
const POLL_MS = 250;

/**
 * Waits until `version` of the projection has been swapped in, drawing its progress (events applied of those in
 * the ledger, rate, ETA) on stderr. When no process (API or worker) leads the build, this process runs a
 * ProjectionSupervisor for the projection until the swap. Throws CliError when the build failed on a poison
 * event (EXIT.failed), was cancelled or superseded (EXIT.conflict), or on Ctrl-C (EXIT.interrupted; the build
 * goes on wherever projections run).
 */
export async function waitForSwap(ctx: CliContext, target: ProjectionVersion, options: { json: boolean }): Promise<void> {
  const storage = await ctx.storage();
  const pool = storage.pool;
  const progress = new ProgressBar({ label: `${target.projection} v${target.version}`, unit: 'events', silent: options.json, stream: ctx.err });
  let supervisor: ProjectionSupervisor | null = null;
  let leaderless: number | null = null;
  let last = { done: 0, total: 0 };
  try {
    for (;;) {
      if (ctx.signal.aborted) throw new CliError(`interrupted: ${target.projection} version ${target.version} keeps building wherever projections run`, EXIT.interrupted);
      const version = (await projectionVersions(pool, [target.projection])).find((v) => v.version === target.version);
      if (!version || version.state === 'abandoned') {
        throw new CliError(`${target.projection} version ${target.version} was cancelled (a later activation or rebuild replaced it)`, EXIT.conflict);
      }
      if (version.state === 'active' || version.state === 'retired') {
        progress.finish(last.total, last.total);
        return;
      }
      const [status] = await projectionStatus(pool, { checkpoints: [version.checkpoint] });
      if (status) {
        if (status.state === 'failed') {
          progress.interrupt();
          throw new CliError(`${target.projection} version ${target.version} failed on event ${status.failedEventId}: ${status.error} (the current version stays live)`, EXIT.failed);
        }
        last = { done: status.eventsProcessed, total: status.eventsProcessed + status.lag };
        progress.update(last.done, last.total);
        if (status.leaderPid === null && supervisor === null) {
          leaderless ??= Date.now();
          if (Date.now() - leaderless > NO_BUILDER_GRACE_MS) {
            progress.interrupt();
            if (!options.json) ctx.warn(`No API or worker is building ${target.projection} version ${target.version}: building it in this process until the swap`);
            supervisor = localSupervisor(pool, target.projection);
            await supervisor.start();
          }
        } else {
          leaderless = null;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await supervisor?.stop();
  }
}

/** The projection alone, run by this process: each version built from its registry config (as the API and worker do). */
function localSupervisor(pool: import('pg').Pool, name: string): ProjectionSupervisor {
  const initial = DEFAULT_FUNNEL_DEFINITION;
  return new ProjectionSupervisor(
    pool,
    [
      {
        name,
        create: (config: unknown) => readModelProjections(definitionOfVersionConfig(config, initial)).find((p) => p.name === name)!,
      },
    ],
    { runner: { upcast: upcastRecordedEvent, log: () => {} }, reconcileIntervalMs: 200, log: () => {} },
  );
}

export const rebuildCommand: CliCommand = {
  words: ['rebuild'],
  usage: '[<projection>] [--wait]',
  summary: 'Rebuild a projection blue/green (default lead_funnel) under its current definition',
  details: [
    'The next version is built from the start of the ledger in new tables while the current one keeps answering;',
    'once it has caught up, readers switch to it atomically. Whichever process runs the projections builds it.',
    'Options:',
    '  --wait   show progress until the swap; builds it in this process when no API or worker does',
    'Exit codes: 0 started (or swapped, with --wait), 1 the rebuild failed, 3 no such versioned projection,',
    '4 a rebuild is already under way, 130 interrupted.',
  ].join('\n'),
  options: { wait: { type: 'boolean' } },
  async run(ctx, args) {
    if (args.positionals.length > 1) throw new UsageError('at most one projection name');
    const name = args.positionals[0] ?? 'lead_funnel';
    const storage = await ctx.storage();
    let version: ProjectionVersion;
    try {
      version = await beginRebuild(storage.pool, name, { config: await rebuildConfig(storage.pool, name) });
    } catch (error) {
      if (error instanceof ProjectionNotVersionedError) throw new CliError(`no versioned projection named ${JSON.stringify(name)}`, EXIT.notFound);
      if (error instanceof RebuildInProgressError) throw new CliError(error.message, EXIT.conflict);
      throw error;
    }
    const definition = name === 'lead_funnel' ? referenceOfVersionConfig(version.config, DEFAULT_FUNNEL_DEFINITION) : null;
    if (!args.json) ctx.print(`Rebuild of ${name} started: version ${version.version} is building in schema ${version.schema}${definition ? ` under ${definition}` : ''}.`);
    if (args.values.wait === true) {
      await waitForSwap(ctx, version, { json: args.json });
      if (!args.json) ctx.print(`${name} version ${version.version} is live.`);
    }
    if (args.json) ctx.printJson({ projection: name, version: version.version, schema: version.schema, definition, live: args.values.wait === true });
    return EXIT.ok;
  },
};
