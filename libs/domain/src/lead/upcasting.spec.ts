import { CURRENT_SCHEMA_VERSION, type LeadScoredData } from './events.js';
import { foldLead } from './evolve.js';
import { at, events } from './lead.test-kit.js';
import { createUpcasterRegistry, defaultUpcasters, upcastLeadEvent, type Upcaster } from './upcasting.js';

/**
 * A pretend history of LeadScored: v1 stored a single `score`, v2 added the model name, v3 (current in these
 * tests) split the score into BANTT components. Only the test knows it: no real event has a v2 yet.
 */
const PRETEND_VERSIONS = { ...CURRENT_SCHEMA_VERSION, LeadScored: 3 };
const calls: string[] = [];
const v1ToV2: Upcaster = {
  type: 'LeadScored',
  fromVersion: 1,
  upcast: (data) => {
    calls.push('v1->v2');
    return { ...(data as { score: number }), model: 'legacy' };
  },
};
const v2ToV3: Upcaster = {
  type: 'LeadScored',
  fromVersion: 2,
  upcast: (data) => {
    calls.push('v2->v3');
    const { score, model } = data as { score: number; model: string };
    const v3: LeadScoredData = { budget: 0, authority: 0, need: 0, timeframe: 0, trust: 0, total: score, model };
    return v3;
  },
};

beforeEach(() => {
  calls.length = 0;
});

describe('upcasting', () => {
  it('applies the chain step by step up to the current version', () => {
    const registry = createUpcasterRegistry([v2ToV3, v1ToV2], PRETEND_VERSIONS);
    expect(registry.upcast({ type: 'LeadScored', schemaVersion: 1, data: { score: 80 }, occurredAt: at(1) })).toStrictEqual({
      type: 'LeadScored',
      schemaVersion: 3,
      data: { budget: 0, authority: 0, need: 0, timeframe: 0, trust: 0, total: 80, model: 'legacy' },
      occurredAt: at(1),
    });
    expect(calls).toStrictEqual(['v1->v2', 'v2->v3']);
  });

  it('starts the chain at the stored version', () => {
    const registry = createUpcasterRegistry([v1ToV2, v2ToV3], PRETEND_VERSIONS);
    const upcast = registry.upcast({ type: 'LeadScored', schemaVersion: 2, data: { score: 30, model: 'm' }, occurredAt: at(1) });
    expect(upcast).toMatchObject({ schemaVersion: 3, data: { total: 30, model: 'm' } });
    expect(calls).toStrictEqual(['v2->v3']);
  });

  it('leaves an event of the current version and other types untouched', () => {
    const registry = createUpcasterRegistry([v1ToV2, v2ToV3], PRETEND_VERSIONS);
    const accepted = events.accepted(at(3));
    expect(registry.upcast(accepted)).toStrictEqual(accepted);
    expect(calls).toStrictEqual([]);
  });

  it('feeds the lead model: an upcast old event folds like a current one', () => {
    const v0ToV1: Upcaster = {
      type: 'LeadScored',
      fromVersion: 0,
      upcast: (data) => ({ budget: 0, authority: 0, need: 0, timeframe: 0, trust: 0, total: (data as { score: number }).score, model: null }),
    };
    const registry = createUpcasterRegistry([v0ToV1]); // the real current versions: LeadScored is v1
    const state = foldLead('lead-1', [events.captured(), registry.upcast({ type: 'LeadScored', schemaVersion: 0, data: { score: 77 }, occurredAt: at(1) })]);
    expect(state).toMatchObject({ score: 77, revision: 2 });
  });

  it('throws for a missing step', () => {
    const registry = createUpcasterRegistry([v2ToV3], PRETEND_VERSIONS);
    expect(() => registry.upcast({ type: 'LeadScored', schemaVersion: 1, data: { score: 1 }, occurredAt: at(1) })).toThrow(
      'No upcaster for LeadScored v1 -> v2',
    );
  });

  it('throws for an unknown event type', () => {
    expect(() => upcastLeadEvent({ type: 'LeadTeleported', schemaVersion: 1, data: {}, occurredAt: at(1) })).toThrow('Unknown lead event type LeadTeleported');
  });

  it('throws for a version newer than this code understands', () => {
    expect(() => upcastLeadEvent({ type: 'Won', schemaVersion: 2, data: {}, occurredAt: at(1) })).toThrow('Won v2 is newer than this code understands (v1)');
  });

  it.each([[1.5], [-1], [Number.NaN]])('throws for an invalid stored version %p', (schemaVersion) => {
    expect(() => upcastLeadEvent({ type: 'Won', schemaVersion, data: {}, occurredAt: at(1) })).toThrow('invalid schema version');
  });

  it('has no real upcasters yet, so current events pass through and a v0 has no step', () => {
    expect(defaultUpcasters).toHaveLength(0);
    const won = events.won(10);
    expect(upcastLeadEvent(won)).toStrictEqual(won);
    expect(() => upcastLeadEvent({ type: 'Won', schemaVersion: 0, data: {}, occurredAt: at(1) })).toThrow('No upcaster for Won v0 -> v1');
  });

  describe('registry creation', () => {
    it('refuses two steps from the same version', () => {
      expect(() => createUpcasterRegistry([v1ToV2, { ...v1ToV2 }], PRETEND_VERSIONS)).toThrow('Two upcasters for LeadScored v1');
    });
    it('refuses a step that would never run', () => {
      expect(() => createUpcasterRegistry([v1ToV2])).toThrow('would never run');
    });
    it('refuses a step for an unknown type', () => {
      expect(() => createUpcasterRegistry([{ ...v1ToV2, type: 'Nope' as never }], PRETEND_VERSIONS)).toThrow('unknown event type Nope');
    });
    it('refuses a negative or fractional fromVersion', () => {
      expect(() => createUpcasterRegistry([{ ...v1ToV2, fromVersion: -1 }], PRETEND_VERSIONS)).toThrow('integer >= 0');
      expect(() => createUpcasterRegistry([{ ...v1ToV2, fromVersion: 1.5 }], PRETEND_VERSIONS)).toThrow('integer >= 0');
    });
  });
});
