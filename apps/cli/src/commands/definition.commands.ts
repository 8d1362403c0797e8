import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { FunnelDefinitionNotFoundError, parseDefinitionRef } from '../../../../libs/domain/src/index.js';
import { FunnelDefinitionConflictError, InvalidFunnelDefinitionError } from '../../../../libs/domain/src/funnel/definition-events.js';
import { uuidv7, type ActorType } from '../../../../libs/event-store/src/index.js';
import { projectionVersions } from '../../../../libs/projections/src/index.js';
import { FunnelDefinitionsService, type DefinitionCommandContext, type DefinitionEntry } from '../../../api/src/definitions/definitions.service.js';
import type { CliCommand } from '../cli-command.js';
import { CliError, EXIT, UsageError } from '../exit-codes.js';
import { waitForSwap } from './rebuild.command.js';
import { alignedTable } from '../table.js';

/** Who acts, for the audit trail: --actor (default the OS user), as a user; one correlation id per command. */
function cliContext(actor: unknown): DefinitionCommandContext {
  let id = typeof actor === 'string' && actor.trim() ? actor.trim() : '';
  if (!id) {
    try {
      id = userInfo().username;
    } catch {
      id = 'cli';
    }
  }
  return { actor: { type: 'user' as ActorType, id }, correlationId: randomUUID(), commandId: uuidv7() };
}

function summary(entry: DefinitionEntry) {
  const p = entry.published;
  return {
    reference: p.reference,
    name: p.definition.name,
    version: p.definition.version,
    status: entry.status,
    builtIn: p.builtIn,
    publishedAt: p.publishedAt?.toISOString() ?? null,
    publishedBy: p.publishedBy,
    reason: p.reason,
    activations: entry.activations.map((a) => ({ activatedAt: a.activatedAt.toISOString(), activatedBy: a.activatedBy, reason: a.reason })),
    liveSince: entry.liveSince?.toISOString() ?? null,
    rebuild: entry.building ? { version: entry.building.version.version, state: entry.building.status?.state ?? null } : null,
  };
}

const AUDIT_OPTIONS = {
  reason: { type: 'string' as const },
  actor: { type: 'string' as const },
};

export const definitionPublishCommand: CliCommand = {
  words: ['definition', 'publish'],
  usage: '<file.json> [--reason TEXT] [--actor ID]',
  summary: 'Publish a funnel definition document (validated; name@version is immutable)',
  details: [
    'Records FunnelDefinitionPublished with who (--actor, default the OS user), when and why (--reason).',
    'Publishing the identical document again records nothing. Publishing does not change the live views.',
    'Exit codes: 0 published (or already published identically), 2 unreadable JSON or an invalid document (each',
    'problem printed with its JSON path), 3 no such file, 4 name@version already published with another document.',
  ].join('\n'),
  options: AUDIT_OPTIONS,
  async run(ctx, args) {
    if (args.positionals.length !== 1) throw new UsageError('expected one argument: the definition file (JSON)');
    const file = args.positionals[0]!;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`no such file: ${file}`, EXIT.notFound);
      throw error;
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
    const service = await ctx.get<FunnelDefinitionsService>(FunnelDefinitionsService);
    try {
      const { entry, appended } = await service.publish(document, args.values.reason as string | undefined, cliContext(args.values.actor));
      if (args.json) ctx.printJson({ ...summary(entry), appended });
      else if (appended) ctx.print(`Published ${entry.published.reference} (${entry.status}). Activate it with: ledger definition activate ${entry.published.reference}`);
      else ctx.print(`${entry.published.reference} is already published with this document: nothing recorded (${entry.status}).`);
      return EXIT.ok;
    } catch (error) {
      if (error instanceof InvalidFunnelDefinitionError) {
        if (args.json) ctx.printJson({ error: { message: 'invalid funnel definition', exitCode: EXIT.usage, errors: error.errors } });
        ctx.warn(`${file}: invalid funnel definition (${error.errors.length} problem${error.errors.length === 1 ? '' : 's'}):`);
        for (const e of error.errors) ctx.warn(`  ${e.path || '$'}: ${e.message}`);
        return EXIT.usage;
      }
      if (error instanceof FunnelDefinitionConflictError) throw new CliError(error.message, EXIT.conflict);
      throw error;
    }
  },
};

export const definitionActivateCommand: CliCommand = {
  words: ['definition', 'activate'],
  usage: '<name@version> [--reason TEXT] [--actor ID] [--wait]',
  summary: 'Activate a published definition: the live views are rebuilt under it blue/green',
  details: [
    'Records FunnelDefinitionActivated with who, when and why, and registers the rebuild of the live views under',
    'the definition; the current views keep answering until the new ones have caught up, then readers switch.',
    'Activating the definition activated last records nothing.',
    'Options:',
    '  --wait   show progress until the swap; builds it in this process when no API or worker does',
    'Exit codes: 0 activated (live, with --wait), 1 the rebuild failed, 2 bad reference, 3 not published,',
    '4 superseded by another activation while waiting, 130 interrupted.',
  ].join('\n'),
  options: { ...AUDIT_OPTIONS, wait: { type: 'boolean' } },
  async run(ctx, args) {
    if (args.positionals.length !== 1) throw new UsageError('expected one argument: name@version');
    const ref = parseDefinitionRef(args.positionals[0]!);
    if (!ref) throw new UsageError(`not a definition reference (name@version): ${JSON.stringify(args.positionals[0])}`);
    const service = await ctx.get<FunnelDefinitionsService>(FunnelDefinitionsService);
    let result: Awaited<ReturnType<FunnelDefinitionsService['activate']>>;
    try {
      result = await service.activate(ref.name, ref.version, args.values.reason as string | undefined, cliContext(args.values.actor));
    } catch (error) {
      if (error instanceof FunnelDefinitionNotFoundError) throw new CliError(`${error.message} (ledger definition list shows the published ones)`, EXIT.notFound);
      throw error;
    }
    let { entry } = result;
    const reference = entry.published.reference;
    if (!args.json) {
      if (!result.appended) ctx.print(`${reference} is already the activated definition: nothing recorded (${entry.status}).`);
      else ctx.print(`Activated ${reference}.`);
    }
    if (entry.status === 'ACTIVATING') {
      // Another process may be registering the rebuild right now (the reconcilers take turns): give it a moment.
      for (let i = 0; i < 20 && !entry.building; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        entry = (await service.get(ref.name, ref.version))!;
      }
      const storage = await ctx.storage();
      const buildingVersion = entry.building?.version.version;
      const building = (await projectionVersions(storage.pool, ['lead_funnel'])).find((v) => v.state === 'building' && v.version === buildingVersion);
      if (!args.json) {
        ctx.print(
          building
            ? `lead_funnel version ${building.version} is building under ${reference}; the current views answer until the swap.`
            : `The rebuild under ${reference} will be started by the next process that runs the projections.`,
        );
      }
      if (args.values.wait === true && building) {
        await waitForSwap(ctx, building, { json: args.json });
        entry = (await service.get(ref.name, ref.version))!;
        if (entry.status !== 'ACTIVE') throw new CliError(`${reference} is ${entry.status} after the swap: another activation superseded it`, EXIT.conflict);
        if (!args.json) ctx.print(`${reference} is live (lead_funnel version ${building.version}).`);
      }
    }
    if (args.json) ctx.printJson({ ...summary(entry), appended: result.appended });
    return EXIT.ok;
  },
};

export const definitionListCommand: CliCommand = {
  words: ['definition', 'list'],
  usage: '[<name>]',
  summary: 'List the funnel definitions with their status and audit trail',
  async run(ctx, args) {
    if (args.positionals.length > 1) throw new UsageError('at most one name');
    const service = await ctx.get<FunnelDefinitionsService>(FunnelDefinitionsService);
    const entries = await service.list(args.positionals[0] ?? null);
    if (args.json) {
      ctx.printJson(entries.map(summary));
      return EXIT.ok;
    }
    const rows = entries.map((e) => {
      const s = summary(e);
      const last = s.activations[s.activations.length - 1];
      return [
        s.reference,
        s.status + (s.rebuild ? ` (v${s.rebuild.version} ${s.rebuild.state ?? ''})`.trimEnd() : ''),
        s.builtIn ? 'built in' : `${s.publishedAt} by ${s.publishedBy?.id ?? '?'}`,
        last ? `${last.activatedAt} by ${last.activatedBy?.id ?? '?'}` : '-',
        s.reason ?? '',
      ];
    });
    const header = ['DEFINITION', 'STATUS', 'PUBLISHED', 'LAST ACTIVATED', 'REASON'];
    for (const line of alignedTable(header, rows, [], { rule: false })) ctx.print(line);
    return EXIT.ok;
  },
};

export const DEFINITION_COMMANDS: readonly CliCommand[] = [definitionPublishCommand, definitionActivateCommand, definitionListCommand];
