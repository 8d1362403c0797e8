import {
  DEFAULT_FUNNEL_DEFINITION as DEFAULT,
  DEFAULT_MQL_THRESHOLD,
  definitionRef,
  mqlThresholdOf,
  parseDefinitionRef,
  withMqlThreshold,
  type FunnelDefinition,
} from './definition.js';
import { validateFunnelDefinition } from './validate-definition.js';

describe('DEFAULT_FUNNEL_DEFINITION', () => {
  it('given the default definition, then it is metrics.md version 1: five stages in order, mql at 75 not from no stage, won terminal', () => {
    expect(definitionRef(DEFAULT)).toBe('default@1');
    expect(DEFAULT.timeZone).toBe('UTC');
    expect(DEFAULT.recycleTo).toBe('responder');
    expect(DEFAULT.stages.map((s) => [s.key, s.enteredBy.map((r) => r.event).join(), s.enterFromNoStage ?? true, s.terminal ?? false])).toEqual([
      ['responder', 'ResponderCaptured', true, false],
      ['mql', 'LeadScored', false, false],
      ['handed_off', 'HandedOff', true, false],
      ['sal', 'Accepted', true, false],
      ['won', 'Won', true, true],
    ]);
    expect(DEFAULT.stages[1]!.enteredBy[0]!.when).toEqual({ field: 'total', op: 'gte', value: 75 });
    expect(DEFAULT.sla).toEqual({ workingDays: 5, holidays: [], businessHours: null, resolvedBy: ['Accepted', 'Rejected', 'Lost'], startedBy: 'HandedOff' });
  });

  it('given the default definition, then it is frozen JSON that validates and survives a JSON round trip', () => {
    expect(Object.isFrozen(DEFAULT.stages[1]!.enteredBy[0])).toBe(true);
    const roundTrip = JSON.parse(JSON.stringify(DEFAULT)) as unknown;
    expect(roundTrip).toEqual(DEFAULT);
    const result = validateFunnelDefinition(roundTrip);
    expect(result.ok).toBe(true);
    if (result.ok) expect(mqlThresholdOf(result.definition)).toBe(DEFAULT_MQL_THRESHOLD);
  });
});

describe('definitionRef / parseDefinitionRef', () => {
  it.each([
    ['default@1', { name: 'default', version: 1 }],
    [' mql-60@12 ', { name: 'mql-60', version: 12 }],
    ['default', null],
    ['default@0', null],
    ['default@1.5', null],
    ['a@b@1', null],
  ])('given %p, then it parses to %p', (ref, expected) => {
    expect(parseDefinitionRef(ref)).toEqual(expected);
  });

  it('given a definition, then its ref parses back to its name and version', () => {
    expect(parseDefinitionRef(definitionRef({ name: 'what-if', version: 3 }))).toEqual({ name: 'what-if', version: 3 });
  });
});

describe('withMqlThreshold', () => {
  it('given threshold 60, then only the mql condition changes and the original is untouched', () => {
    const variant = withMqlThreshold(DEFAULT, 60);
    expect(variant.stages[1]!.enteredBy).toEqual([{ event: 'LeadScored', when: { field: 'total', op: 'gte', value: 60 } }]);
    expect(mqlThresholdOf(variant)).toBe(60);
    expect(mqlThresholdOf(DEFAULT)).toBe(75);
    expect({ ...variant, stages: variant.stages.filter((s) => s.key !== 'mql') }).toEqual({
      ...DEFAULT,
      stages: DEFAULT.stages.filter((s) => s.key !== 'mql'),
    });
    expect(validateFunnelDefinition(variant).ok).toBe(true);
  });

  it('given a LeadScored rule with other conditions and none on total, then a total condition is added and the others kept', () => {
    const def: FunnelDefinition = {
      ...DEFAULT,
      stages: [DEFAULT.stages[0]!, { key: 'mql', enteredBy: [{ event: 'LeadScored', when: { field: 'model', op: 'eq', value: 'bantt' } }] }],
    };
    expect(withMqlThreshold(def, 50).stages[1]!.enteredBy[0]!.when).toEqual([
      { field: 'model', op: 'eq', value: 'bantt' },
      { field: 'total', op: 'gte', value: 50 },
    ]);
  });

  it('given a definition without an mql stage or a threshold that is not a number, then it throws', () => {
    expect(() => withMqlThreshold({ ...DEFAULT, stages: DEFAULT.stages.filter((s) => s.key !== 'mql') }, 60)).toThrow(/no stage 'mql'/);
    expect(() => withMqlThreshold(DEFAULT, Number.NaN)).toThrow(/finite/);
  });
});
