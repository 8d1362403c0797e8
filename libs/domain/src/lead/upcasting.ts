import { CURRENT_SCHEMA_VERSION, isLeadEventType, type LeadEvent, type LeadEventType } from './events.js';

/**
 * Stored events are never rewritten: when an event's shape changes, its type gets a new schema version and
 * an upcaster that turns the previous version's data into the next one. Upcasting happens on read, before
 * both the lead model and the projections, so neither ever sees an old shape.
 */
export interface Upcaster {
  type: LeadEventType;
  /** The version this step reads; it produces `fromVersion + 1`. */
  fromVersion: number;
  upcast(data: unknown): unknown;
}

/** An event as the store returns it: its type and version are not trusted yet. */
export interface RawLeadEvent {
  type: string;
  schemaVersion: number;
  data: unknown;
  occurredAt: Date;
}

export interface UpcasterRegistry {
  /** The event in its current schema version; throws for an unknown type, a future version or a missing step. */
  upcast(raw: RawLeadEvent): LeadEvent;
}

/**
 * Builds a registry from single-step upcasters. `currentVersions` defaults to CURRENT_SCHEMA_VERSION (tests pass
 * their own to exercise a chain before any real event has a v2). Steps are checked here, so a duplicated or
 * useless step fails at start-up rather than on the first old event read.
 */
export function createUpcasterRegistry(
  upcasters: readonly Upcaster[],
  currentVersions: { readonly [T in LeadEventType]: number } = CURRENT_SCHEMA_VERSION,
): UpcasterRegistry {
  const steps = new Map<string, Upcaster>();
  for (const step of upcasters) {
    const key = stepKey(step.type, step.fromVersion);
    if (!isLeadEventType(step.type)) throw new Error(`Upcaster for unknown event type ${step.type}`);
    if (!Number.isInteger(step.fromVersion) || step.fromVersion < 0) {
      throw new Error(`Upcaster ${key}: fromVersion must be an integer >= 0`);
    }
    if (step.fromVersion >= currentVersions[step.type]) {
      throw new Error(`Upcaster ${key} would never run: ${step.type} is at version ${currentVersions[step.type]}`);
    }
    if (steps.has(key)) throw new Error(`Two upcasters for ${key}`);
    steps.set(key, step);
  }

  return {
    upcast(raw: RawLeadEvent): LeadEvent {
      if (!isLeadEventType(raw.type)) throw new Error(`Unknown lead event type ${raw.type}`);
      const current = currentVersions[raw.type];
      if (!Number.isInteger(raw.schemaVersion) || raw.schemaVersion < 0) {
        throw new Error(`${raw.type}: invalid schema version ${raw.schemaVersion}`);
      }
      if (raw.schemaVersion > current) {
        // Written by a newer release: reading it with this code would silently misread it.
        throw new Error(`${raw.type} v${raw.schemaVersion} is newer than this code understands (v${current})`);
      }
      let data = raw.data;
      for (let version = raw.schemaVersion; version < current; version++) {
        const step = steps.get(stepKey(raw.type, version));
        if (!step) throw new Error(`No upcaster for ${raw.type} v${version} -> v${version + 1} (current is v${current})`);
        data = step.upcast(data);
      }
      // The chain ends at the current shape, which the upcasters are trusted to produce.
      return { type: raw.type, schemaVersion: current, data, occurredAt: raw.occurredAt } as LeadEvent;
    },
  };
}

function stepKey(type: string, fromVersion: number): string {
  return `${type} v${fromVersion}`;
}

/** The upcasters of the real schema history. Empty: no event type has changed shape yet. */
export const defaultUpcasters: readonly Upcaster[] = [];

const defaultRegistry = createUpcasterRegistry(defaultUpcasters);

/** Upcasts a stored event with the real schema history. */
export function upcastLeadEvent(raw: RawLeadEvent): LeadEvent {
  return defaultRegistry.upcast(raw);
}
