import { FunnelDefinitionNotFoundError } from '../shared/errors.js';
import { DEFAULT_FUNNEL_DEFINITION, withMqlThreshold, type FunnelDefinition } from './definition.js';
import { validateFunnelDefinition } from './validate-definition.js';
import {
  FunnelDefinitionConflictError,
  InvalidFunnelDefinitionError,
  activationAt,
  decideDefinition,
  evolveCatalog,
  foldCatalog,
  initialCatalog,
  targetDefinition,
  versionsOf,
  type FunnelDefinitionCatalog,
  type FunnelDefinitionEvent,
  type RecordedDefinitionEvent,
} from './definition-events.js';

type Doc = any;

/** Validated (defaults filled in), as the catalogue holds published documents. */
const valid = (document: unknown): FunnelDefinition => {
  const result = validateFunnelDefinition(document);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.definition;
};
const MQL60 = valid({ ...withMqlThreshold(DEFAULT_FUNNEL_DEFINITION, 60), name: 'mql60', version: 1 });
const doc = (definition: FunnelDefinition): Doc => JSON.parse(JSON.stringify(definition));
const ALICE = { type: 'user', id: 'alice' };

/** Records the decided events as the store would (revision after the catalogue's, recordedAt given). */
function record(catalog: FunnelDefinitionCatalog, events: FunnelDefinitionEvent[], recordedAt: Date): FunnelDefinitionCatalog {
  return events.reduce(
    (c, e, i) => evolveCatalog(c, { ...e, revision: catalog.revision + i + 1, recordedAt, actor: ALICE, correlationId: 'corr-1', globalPosition: '42' }),
    catalog,
  );
}

const initial = (builtIns: FunnelDefinition[] = [DEFAULT_FUNNEL_DEFINITION]) => initialCatalog(builtIns);
const publish = (document: unknown, reason?: string) => ({ type: 'PublishFunnelDefinition' as const, document, reason });
const activate = (name: string, version: number, reason?: string) => ({ type: 'ActivateFunnelDefinition' as const, name, version, reason });
const T1 = new Date('2026-03-01T10:00:00Z');
const T2 = new Date('2026-03-02T10:00:00Z');

describe('definition events: publish', () => {
  it('given a catalogue with the built-in default, when a new valid document is published, then one event carries the validated document and the reason', () => {
    const { events, definition } = decideDefinition(publish(doc(MQL60), '  MQL at 60 points  '), initial(), { initial: DEFAULT_FUNNEL_DEFINITION });
    expect(events).toEqual([{ type: 'FunnelDefinitionPublished', schemaVersion: 1, data: { document: MQL60, reason: 'MQL at 60 points' } }]);
    expect(definition).toEqual(MQL60);
    const after = record(initial(), events, T1);
    expect(after.revision).toBe(1);
    expect(after.published.get('mql60@1')).toMatchObject({ builtIn: false, publishedAt: T1, publishedBy: ALICE, reason: 'MQL at 60 points', revision: 1 });
    expect(after.published.get('default@1')).toMatchObject({ builtIn: true, publishedAt: null, revision: 0 });
  });

  it('given a minimal document, then the defaults are filled in before it is recorded (its meaning never depends on a later release)', () => {
    const { events } = decideDefinition(publish({ name: 'mini', version: 1, stages: [{ key: 'lead', enteredBy: [{ event: 'ResponderCaptured' }] }] }), initial(), {
      initial: DEFAULT_FUNNEL_DEFINITION,
    });
    expect((events[0]!.data as { document: FunnelDefinition }).document).toMatchObject({ timeZone: 'UTC', recycleTo: 'lead', sla: { workingDays: 5 } });
  });

  it('given an invalid document, then it is refused with every problem and its path, and nothing is decided', () => {
    const bad = doc(MQL60);
    bad.stages[1].enteredBy[0].when.op = 'greater';
    bad.sla.workingDays = 0;
    let error: unknown;
    try {
      decideDefinition(publish(bad), initial(), { initial: DEFAULT_FUNNEL_DEFINITION });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidFunnelDefinitionError);
    const paths = (error as InvalidFunnelDefinitionError).errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['stages[1].enteredBy[0].when.op', 'sla.workingDays']));
    expect((error as Error).message).toContain('stages[1].enteredBy[0].when.op');
    expect((error as InvalidFunnelDefinitionError).code).toBe('BAD_USER_INPUT');
  });

  it('given a published name@version, when the identical document is published again (keys in another order), then nothing is appended', () => {
    const published = record(initial(), decideDefinition(publish(doc(MQL60)), initial(), { initial: DEFAULT_FUNNEL_DEFINITION }).events, T1);
    const reordered = Object.fromEntries(Object.entries(doc(MQL60)).reverse());
    const again = decideDefinition(publish(reordered, 'retry'), published, { initial: DEFAULT_FUNNEL_DEFINITION });
    expect(again.events).toEqual([]);
    expect(again.definition).toBe(published.published.get('mql60@1')!.definition);
  });

  it('given a published name@version, when another document is published under it, then it is refused as a conflict', () => {
    const published = record(initial(), decideDefinition(publish(doc(MQL60)), initial(), { initial: DEFAULT_FUNNEL_DEFINITION }).events, T1);
    const changed = { ...doc(MQL60), description: 'changed' };
    expect(() => decideDefinition(publish(changed), published, { initial: DEFAULT_FUNNEL_DEFINITION })).toThrow(FunnelDefinitionConflictError);
  });

  it('given the built-in default, then re-publishing it is a no-op and changing it under default@1 is a conflict', () => {
    expect(decideDefinition(publish(doc(DEFAULT_FUNNEL_DEFINITION)), initial(), { initial: DEFAULT_FUNNEL_DEFINITION }).events).toEqual([]);
    const changed = doc(withMqlThreshold(DEFAULT_FUNNEL_DEFINITION, 60));
    expect(() => decideDefinition(publish(changed), initial(), { initial: DEFAULT_FUNNEL_DEFINITION })).toThrow(/default@1 is already published/);
  });
});

describe('definition events: activate', () => {
  const withMql60 = () => record(initial(), decideDefinition(publish(doc(MQL60)), initial(), { initial: DEFAULT_FUNNEL_DEFINITION }).events, T1);

  it('given an unknown name@version, then it is refused as not found', () => {
    expect(() => decideDefinition(activate('mql60', 2), withMql60(), { initial: DEFAULT_FUNNEL_DEFINITION })).toThrow(FunnelDefinitionNotFoundError);
  });

  it('given a published definition, when it is activated, then the event names it with the reason; it becomes the target', () => {
    const catalog = withMql60();
    expect(targetDefinition(catalog)).toBeNull();
    const { events } = decideDefinition(activate('mql60', 1, 'Q3 plan'), catalog, { initial: DEFAULT_FUNNEL_DEFINITION });
    expect(events).toEqual([{ type: 'FunnelDefinitionActivated', schemaVersion: 1, data: { name: 'mql60', version: 1, reason: 'Q3 plan' } }]);
    const after = record(catalog, events, T2);
    expect(targetDefinition(after)?.reference).toBe('mql60@1');
    expect(after.activations).toEqual([
      { reference: 'mql60@1', name: 'mql60', version: 1, activatedAt: T2, activatedBy: ALICE, reason: 'Q3 plan', revision: 2, correlationId: 'corr-1', globalPosition: '42' },
    ]);
  });

  it('given the target definition (the initial one before any activation), when it is activated again, then nothing is appended (a no-op)', () => {
    expect(decideDefinition(activate('default', 1), withMql60(), { initial: DEFAULT_FUNNEL_DEFINITION }).events).toEqual([]);
    const activated = record(withMql60(), decideDefinition(activate('mql60', 1), withMql60(), { initial: DEFAULT_FUNNEL_DEFINITION }).events, T2);
    expect(decideDefinition(activate('mql60', 1), activated, { initial: DEFAULT_FUNNEL_DEFINITION }).events).toEqual([]);
    // Going back to the default is a new activation.
    expect(decideDefinition(activate('default', 1), activated, { initial: DEFAULT_FUNNEL_DEFINITION }).events).toHaveLength(1);
  });

  it('given activations over time, then activationAt answers the last one recorded at or before a time', () => {
    const a = record(withMql60(), decideDefinition(activate('mql60', 1), withMql60(), { initial: DEFAULT_FUNNEL_DEFINITION }).events, T2);
    expect(activationAt(a, T1)).toBeNull();
    expect(activationAt(a, T2)?.reference).toBe('mql60@1');
    expect(activationAt(a, new Date('2027-01-01T00:00:00Z'))?.reference).toBe('mql60@1');
  });
});

describe('definition events: fold', () => {
  it('given the recorded stream, then folding it rebuilds the catalogue; versionsOf lists a name latest first', () => {
    const v2 = valid({ ...MQL60, version: 2, description: 'v2' });
    const events: RecordedDefinitionEvent[] = [
      { type: 'FunnelDefinitionPublished', schemaVersion: 1, data: { document: doc(MQL60), reason: null }, revision: 1, recordedAt: T1, actor: ALICE },
      { type: 'FunnelDefinitionPublished', schemaVersion: 1, data: { document: doc(v2), reason: 'v2' }, revision: 2, recordedAt: T1, actor: ALICE },
      { type: 'FunnelDefinitionActivated', schemaVersion: 1, data: { name: 'mql60', version: 2, reason: null }, revision: 3, recordedAt: T2, actor: null },
    ];
    const catalog = foldCatalog([DEFAULT_FUNNEL_DEFINITION], events);
    expect(catalog.revision).toBe(3);
    expect(versionsOf(catalog, 'mql60').map((p) => p.definition.version)).toEqual([2, 1]);
    expect(targetDefinition(catalog)?.definition).toEqual(v2);
    expect(Object.isFrozen(catalog.published.get('mql60@2')!.definition)).toBe(true);
  });

  it('given an event it cannot read (unknown type or newer schema version), then the fold refuses it rather than misreport', () => {
    const base = { data: {}, revision: 1, recordedAt: T1, actor: null };
    expect(() => evolveCatalog(initial(), { ...base, type: 'FunnelDefinitionRenamed', schemaVersion: 1 })).toThrow(/unknown event type/);
    expect(() => evolveCatalog(initial(), { ...base, type: 'FunnelDefinitionActivated', schemaVersion: 2 })).toThrow(/not understood/);
  });

  it('given an app started with another initial definition, then both it and the default are built in', () => {
    const holidays = { ...DEFAULT_FUNNEL_DEFINITION, name: 'holidays', sla: { ...DEFAULT_FUNNEL_DEFINITION.sla, holidays: ['2026-01-01'] } };
    const catalog = initial([holidays, DEFAULT_FUNNEL_DEFINITION]);
    expect([...catalog.published.keys()]).toEqual(['holidays@1', 'default@1']);
    expect(decideDefinition(activate('holidays', 1), catalog, { initial: holidays }).events).toEqual([]);
  });
});
