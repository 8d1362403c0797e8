import { DEFAULT_FUNNEL_DEFINITION } from './definition.js';
import { validateFunnelDefinition, type FunnelDefinitionError } from './validate-definition.js';

/** Documents are untyped JSON here. */
type Doc = any;

/** A fresh, mutable JSON copy of the default definition. */
const defaultDoc = (): Doc => JSON.parse(JSON.stringify(DEFAULT_FUNNEL_DEFINITION));

function errorsOf(doc: unknown): FunnelDefinitionError[] {
  const result = validateFunnelDefinition(doc);
  if (result.ok) throw new Error('expected the document to be refused');
  return result.errors;
}

describe('validateFunnelDefinition: valid documents', () => {
  it('given a minimal document, then every default is filled in', () => {
    const result = validateFunnelDefinition({ name: 'mini', version: 2, stages: [{ key: 'lead', enteredBy: [{ event: 'ResponderCaptured' }] }] });
    expect(result).toEqual({
      ok: true,
      definition: {
        name: 'mini',
        version: 2,
        timeZone: 'UTC',
        stages: [{ key: 'lead', enteredBy: [{ event: 'ResponderCaptured' }], enterFromNoStage: true, terminal: false, stuckLimitSeconds: null, monthlyTarget: null }],
        recycleTo: 'lead',
        sla: { workingDays: 5, holidays: [], businessHours: null, resolvedBy: ['Accepted', 'Rejected', 'Lost'], startedBy: 'HandedOff' },
      },
    });
  });

  it('given every option set, then they are kept as given and the result does not alias the input', () => {
    const doc = defaultDoc();
    doc.timeZone = 'Europe/Berlin';
    doc.description = 'with options';
    doc.stages[0].stuckLimitSeconds = 86400;
    doc.stages[0].monthlyTarget = 400;
    doc.stages[0].enteredBy[0].when = [
      { field: 'origin', op: 'in', value: ['MARKETING', 'PARTNER'] },
      { field: 'attributes.segment', op: 'neq', value: null },
      { field: 'account.employees', op: 'gte', value: 50 },
    ];
    doc.sla = { workingDays: 2.5, timeZone: 'America/New_York', holidays: ['2024-12-25'], businessHours: { start: '09:00', end: '17:30' }, resolvedBy: ['Accepted'], startedBy: 'HandedOff' };
    const result = validateFunnelDefinition(doc);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.definition.timeZone).toBe('Europe/Berlin');
    expect(result.definition.stages[0]).toMatchObject({ stuckLimitSeconds: 86400, monthlyTarget: 400, enteredBy: [{ event: 'ResponderCaptured', when: doc.stages[0].enteredBy[0].when }] });
    expect(result.definition.sla).toEqual(doc.sla);
    expect(result.definition.sla).not.toBe(doc.sla);
    expect(Object.isFrozen(result.definition.stages[0]!.enteredBy)).toBe(true);
  });
});

describe('validateFunnelDefinition: errors name their JSON path', () => {
  it.each<[string, (doc: Doc) => void, string, string]>([
    ['an unknown root key', (d) => (d.stage = []), 'stage', "unknown key 'stage'"],
    ['a missing name', (d) => delete d.name, 'name', 'required'],
    ['a name with @', (d) => (d.name = 'a@b'), 'name', "'_', '.' and '-'"],
    ['version 0', (d) => (d.version = 0), 'version', 'positive integer'],
    ['version 1.5', (d) => (d.version = 1.5), 'version', 'positive integer'],
    ['version as text', (d) => (d.version = '1'), 'version', 'positive integer'],
    ['an unknown time zone', (d) => (d.timeZone = 'Mars/Olympus'), 'timeZone', "'Mars/Olympus' is not a time zone"],
    ['no stages', (d) => (d.stages = []), 'stages', 'at least one stage'],
    ['stages not a list', (d) => (d.stages = {}), 'stages', 'list'],
    ['a stage that is not an object', (d) => (d.stages[2] = 'handed_off'), 'stages[2]', 'must be an object'],
    ['an empty stage key', (d) => (d.stages[0].key = ''), 'stages[0].key', 'non-empty'],
    ['an upper-case stage key', (d) => (d.stages[1].key = 'MQL'), 'stages[1].key', 'a-z, 0-9'],
    ['a duplicate stage key', (d) => (d.stages[3].key = 'mql'), 'stages[3].key', "already used by stages[1]"],
    ['a missing enteredBy', (d) => delete d.stages[3].enteredBy, 'stages[3].enteredBy', 'list of rules'],
    ['an unknown event type', (d) => (d.stages[2].enteredBy[0].event = 'HandOff'), 'stages[2].enteredBy[0].event', 'one of ResponderCaptured'],
    ['a stage entered by Rejected', (d) => (d.stages[2].enteredBy[0].event = 'Rejected'), 'stages[2].enteredBy[0].event', 'cannot enter a stage'],
    ['an unknown field', (d) => (d.stages[1].enteredBy[0].when.field = 'score'), 'stages[1].enteredBy[0].when.field', "LeadScored has no field 'score' (known: budget"],
    ['a field of another event type', (d) => (d.stages[3].enteredBy[0].when = { field: 'amount', op: 'gt', value: 0 }), 'stages[3].enteredBy[0].when.field', 'Accepted has no field'],
    ['an unknown operator', (d) => (d.stages[1].enteredBy[0].when.op = '>='), 'stages[1].enteredBy[0].when.op', 'op must be one of eq, neq'],
    ['a numeric operator with a text value', (d) => (d.stages[1].enteredBy[0].when.value = '75'), 'stages[1].enteredBy[0].when.value', 'finite number'],
    ['a numeric operator on a text field', (d) => (d.stages[1].enteredBy[0].when = { field: 'model', op: 'gte', value: 1 }), 'stages[1].enteredBy[0].when.op', 'LeadScored.model is a string'],
    ['eq with a value of the wrong type', (d) => (d.stages[1].enteredBy[0].when = { field: 'total', op: 'eq', value: 'high' }), 'stages[1].enteredBy[0].when.value', 'is a number'],
    ['in without a list', (d) => (d.stages[1].enteredBy[0].when = { field: 'total', op: 'in', value: 75 }), 'stages[1].enteredBy[0].when.value', 'non-empty list'],
    ['in with a wrong item', (d) => (d.stages[1].enteredBy[0].when = { field: 'total', op: 'in', value: [75, 'x'] }), 'stages[1].enteredBy[0].when.value[1]', 'is a number'],
    ['an origin that does not exist', (d) => (d.stages[0].enteredBy[0].when = { field: 'origin', op: 'eq', value: 'EVENT' }), 'stages[0].enteredBy[0].when.value', 'one of MARKETING, SALES, PARTNER'],
    ['an empty condition list', (d) => (d.stages[0].enteredBy[0].when = []), 'stages[0].enteredBy[0].when', 'empty list'],
    ['a bad condition in a list', (d) => (d.stages[1].enteredBy[0].when = [{ field: 'total', op: 'gte', value: 75 }, { field: 'total', op: 'lt' }]), 'stages[1].enteredBy[0].when[1].value', 'finite number'],
    ['an unknown condition key', (d) => (d.stages[1].enteredBy[0].when.values = [1]), 'stages[1].enteredBy[0].when.values', 'unknown key'],
    ['enterFromNoStage as text', (d) => (d.stages[1].enterFromNoStage = 'no'), 'stages[1].enterFromNoStage', 'true or false'],
    ['a stuck limit of 0', (d) => (d.stages[2].stuckLimitSeconds = 0), 'stages[2].stuckLimitSeconds', '> 0'],
    ['a negative monthly target', (d) => (d.stages[2].monthlyTarget = -1), 'stages[2].monthlyTarget', '>= 0'],
    ['recycleTo naming no stage', (d) => (d.recycleTo = 'nurture'), 'recycleTo', "'nurture' is not a stage"],
    ['recycleTo naming the terminal stage', (d) => (d.recycleTo = 'won'), 'recycleTo', 'terminal'],
    ['SLA of 0 working days', (d) => (d.sla.workingDays = 0), 'sla.workingDays', '> 0'],
    ['an unknown SLA time zone', (d) => (d.sla.timeZone = 'CET+1'), 'sla.timeZone', 'not a time zone'],
    ['a holiday that is not a date', (d) => (d.sla.holidays = ['2024-12-25', '25.12.2024']), 'sla.holidays[1]', 'YYYY-MM-DD'],
    ['a holiday that does not exist', (d) => (d.sla.holidays = ['2023-02-29']), 'sla.holidays[0]', 'YYYY-MM-DD'],
    ['business hours not HH:MM', (d) => (d.sla.businessHours = { start: '9:00', end: '17:00' }), 'sla.businessHours.start', 'HH:MM'],
    ['business hours ending before they start', (d) => (d.sla.businessHours = { start: '17:00', end: '09:00' }), 'sla.businessHours', 'before end'],
    ['an empty resolvedBy', (d) => (d.sla.resolvedBy = []), 'sla.resolvedBy', 'non-empty'],
    ['an unknown resolving event', (d) => (d.sla.resolvedBy = ['Accepted', 'Declined']), 'sla.resolvedBy[1]', 'one of'],
    ['a resolving event listed twice', (d) => (d.sla.resolvedBy = ['Accepted', 'Accepted']), 'sla.resolvedBy[1]', 'twice'],
    ['the starting event among the resolving ones', (d) => (d.sla.resolvedBy = ['Accepted', 'HandedOff']), 'sla.resolvedBy[1]', 'cannot also resolve'],
    ['an unknown starting event', (d) => (d.sla.startedBy = 'Handoff'), 'sla.startedBy', 'one of'],
  ])('given %s, then the error is at %s', (_, mutate, path, messagePart) => {
    const doc = defaultDoc();
    mutate(doc);
    expect(errorsOf(doc)).toEqual([{ path, message: expect.stringContaining(messagePart) }]);
  });

  it.each([null, [], 'default', 42])('given %p as the document, then the error is at $', (doc) => {
    expect(errorsOf(doc)).toEqual([{ path: '$', message: 'the definition must be a JSON object' }]);
  });

  it('given a document with many problems, then all of them are reported, in document order', () => {
    const doc = {
      name: '',
      version: -1,
      timeZone: 'Nowhere/Land',
      stages: [
        { key: 'responder', enteredBy: [{ event: 'ResponderCaptured', when: { field: 'chanel', op: 'eq', value: 'web' } }] },
        { key: 'Mql', enteredBy: [{ event: 'LeadScored', when: { field: 'total', op: 'atLeast', value: 75 } }], stuckLimitSeconds: -5 },
        { key: 'responder', enteredBy: [{ event: 'Won' }], terminal: 'yes' },
      ],
      recycleTo: 'nurture',
      sla: { workingDays: 'five', holidays: ['2024-13-01'], businessHours: { start: '09:00', end: '25:00' }, extra: true },
    };
    expect(errorsOf(doc).map((error) => error.path)).toEqual([
      'name',
      'version',
      'timeZone',
      'stages[0].enteredBy[0].when.field',
      'stages[1].key',
      'stages[1].enteredBy[0].when.op',
      'stages[1].stuckLimitSeconds',
      'stages[2].terminal',
      'stages[2].key',
      'sla.extra',
      'sla.workingDays',
      'sla.holidays[0]',
      'sla.businessHours.end',
    ]);
  });

  it('given a valid stage list and a bad recycleTo, then recycleTo lists the stages', () => {
    const doc = defaultDoc();
    doc.recycleTo = 'nurture';
    expect(errorsOf(doc)[0]!.message).toBe("recycleTo 'nurture' is not a stage of the definition (responder, mql, handed_off, sal, won)");
  });
});
