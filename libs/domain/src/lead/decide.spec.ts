import { InvalidTransitionError, LeadNotFoundError, ValidationError } from '../shared/errors.js';
import type {
  AcceptLead,
  AdvanceLeadStage,
  CaptureResponder,
  HandOffLead,
  LeadCommand,
  MarkLeadLost,
  MarkLeadWon,
  RecycleLead,
  RejectLead,
  ScoreLead,
} from './commands.js';
import { decide } from './decide.js';
import { ORIGINS } from './events.js';
import { foldLead, initialLeadState } from './evolve.js';
import { CONTEXT, LEAD_ID, NOW, at, event, events, given, histories } from './lead.test-kit.js';
import { LEAD_STATUSES, type LeadStatus } from './state.js';

/** Commands with valid defaults; each test overrides what it is about. */
const cmd = {
  capture: (o: Partial<CaptureResponder> = {}): CaptureResponder => ({ type: 'CaptureResponder', leadId: LEAD_ID, channel: 'web', origin: 'MARKETING', ...o }),
  score: (o: Partial<ScoreLead> = {}): ScoreLead => ({
    type: 'ScoreLead', leadId: LEAD_ID, budget: 20, authority: 15, need: 20, timeframe: 10, trust: 15, ...o,
  }),
  handOff: (o: Partial<HandOffLead> = {}): HandOffLead => ({ type: 'HandOffLead', leadId: LEAD_ID, ownerId: 'rep-7', ...o }),
  accept: (o: Partial<AcceptLead> = {}): AcceptLead => ({ type: 'AcceptLead', leadId: LEAD_ID, by: 'rep-7', ...o }),
  reject: (o: Partial<RejectLead> = {}): RejectLead => ({ type: 'RejectLead', leadId: LEAD_ID, by: 'rep-7', reason: 'no-budget', ...o }),
  recycle: (o: Partial<RecycleLead> = {}): RecycleLead => ({ type: 'RecycleLead', leadId: LEAD_ID, reason: 'timing', ...o }),
  lose: (o: Partial<MarkLeadLost> = {}): MarkLeadLost => ({ type: 'MarkLeadLost', leadId: LEAD_ID, reason: 'competitor', ...o }),
  win: (o: Partial<MarkLeadWon> = {}): MarkLeadWon => ({ type: 'MarkLeadWon', leadId: LEAD_ID, amount: 5000, ...o }),
  advance: (o: Partial<AdvanceLeadStage> = {}): AdvanceLeadStage => ({ type: 'AdvanceLeadStage', leadId: LEAD_ID, step: 'meeting', ...o }),
};

/** An input of the wrong type, as an untyped caller (JSON, GraphQL JSON scalar) could send it. */
const bad = (value: unknown): never => value as never;

const notAllowed = (allowed: readonly LeadStatus[]) => LEAD_STATUSES.filter((s) => !allowed.includes(s));

describe('decide', () => {
  describe('existence', () => {
    const nonCapture: LeadCommand[] = [cmd.score(), cmd.handOff(), cmd.accept(), cmd.reject(), cmd.recycle(), cmd.lose(), cmd.win(), cmd.advance()];

    it.each(nonCapture.map((c) => [c.type, c] as const))('refuses %s on a lead that was never captured: NOT_FOUND', (_, command) => {
      given([]).when(command).thenThrows(LeadNotFoundError, 'NOT_FOUND', 'Lead lead-1 does not exist');
    });

    it('accepts CaptureResponder as the first event', () => {
      given([]).when(cmd.capture()).then([
        event('ResponderCaptured', { channel: 'web', campaign: null, origin: 'MARKETING', account: null, contact: null, attributes: {}, estimatedValue: null }, NOW),
      ]);
    });

    it('refuses a second CaptureResponder', () => {
      given(histories.new()).when(cmd.capture()).thenThrows(InvalidTransitionError, 'INVALID_TRANSITION', 'already captured');
    });

    it('throws a plain Error when the state belongs to another lead (a wiring bug, not user input)', () => {
      expect(() => decide(cmd.score({ leadId: 'other' }), initialLeadState(LEAD_ID), CONTEXT)).toThrow('command for lead other');
    });
  });

  describe('CaptureResponder', () => {
    it('trims and normalises every field', () => {
      given([])
        .when(
          cmd.capture({
            channel: '  trade show ',
            campaign: ' spring-24 ',
            origin: 'PARTNER',
            account: { name: ' Acme ', domain: '', industry: '  ', employees: 0, country: 'DE' },
            contact: { name: 'Ann', email: ' ann@acme.test ' },
            attributes: { ' region ': ' EMEA ', segment: '   ', product: 'ledger' },
            estimatedValue: 0,
            occurredAt: at(-60 * 24 * 365), // history imported from a CRM: the past is fine
          }),
        )
        .then([
          event(
            'ResponderCaptured',
            {
              channel: 'trade show',
              campaign: 'spring-24',
              origin: 'PARTNER',
              account: { name: 'Acme', domain: null, industry: null, employees: 0, country: 'DE' },
              contact: { name: 'Ann', email: 'ann@acme.test', title: null },
              attributes: { region: 'EMEA', product: 'ledger' },
              estimatedValue: 0,
            },
            at(-60 * 24 * 365),
          ),
        ]);
    });

    it('records a blank campaign as explicitly none (null)', () => {
      const [captured] = decide(cmd.capture({ campaign: '   ' }), initialLeadState(LEAD_ID), CONTEXT);
      expect(captured).toMatchObject({ data: { campaign: null } });
    });

    it.each([[undefined], [''], ['   '], [bad(42)]])('refuses channel %p', (channel) => {
      given([]).when(cmd.capture({ channel: channel as string })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'channel');
    });

    it.each(ORIGINS.map((o) => [o]))('accepts origin %s', (origin) => {
      expect(decide(cmd.capture({ origin }), initialLeadState(LEAD_ID), CONTEXT)[0]).toMatchObject({ data: { origin } });
    });

    it.each([['marketing'], ['EVENT'], [undefined], ['']])('refuses origin %p', (origin) => {
      given([]).when(cmd.capture({ origin: bad(origin) })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'origin');
    });

    it('refuses a campaign that is not a string', () => {
      given([]).when(cmd.capture({ campaign: bad(7) })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'campaign');
    });

    it.each([
      ['account', { account: bad('Acme') }],
      ['account', { account: bad(['Acme']) }],
      ['account.name', { account: { name: bad(1) } }],
      ['account.employees', { account: { employees: -1 } }],
      ['account.employees', { account: { employees: 2.5 } }],
      ['account.employees', { account: { employees: bad('10') } }],
      ['account.revenue', { account: bad({ name: 'Acme', revenue: 10 }) }],
      ['contact', { contact: bad(new Date()) }],
      ['contact.email', { contact: { email: bad(true) } }],
      ['contact.phone', { contact: bad({ phone: '123' }) }],
    ] as const)('refuses an invalid %s', (field, input) => {
      given([]).when(cmd.capture(input)).thenThrows(ValidationError, 'BAD_USER_INPUT', field);
    });

    it('accepts input objects without a prototype (as graphql-js builds them)', () => {
      const account = Object.assign(Object.create(null) as object, { name: 'Acme', employees: 12 });
      const attributes = Object.assign(Object.create(null) as object, { region: 'EMEA' });
      const [captured] = decide(cmd.capture({ account, attributes }), initialLeadState(LEAD_ID), CONTEXT);
      expect(captured).toMatchObject({ data: { account: { name: 'Acme', employees: 12 }, attributes: { region: 'EMEA' } } });
    });

    it.each([
      ['attributes.region', { region: { country: 'DE' } }],
      ['attributes.size', { size: 10 }],
      ['attributes.tags', { tags: ['a'] }],
      ['attributes.owner', { owner: null }],
      ['attributes', { '  ': 'x' }],
      ['attributes', JSON.parse('{"__proto__": "x"}') as Record<string, unknown>],
      ['attributes.region', { region: 'EMEA', ' region': 'APAC' }],
    ] as const)('refuses attributes that are not a flat map of strings: %s', (field, attributes) => {
      given([]).when(cmd.capture({ attributes })).thenThrows(ValidationError, 'BAD_USER_INPUT', field);
    });

    it('refuses attributes that are not an object', () => {
      given([]).when(cmd.capture({ attributes: bad(['EMEA']) })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'attributes');
    });

    it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY], [bad('100')]])('refuses estimatedValue %p', (estimatedValue) => {
      given([]).when(cmd.capture({ estimatedValue })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'estimatedValue');
    });
  });

  describe('ScoreLead', () => {
    it('stores the five components, their total and the trimmed model name', () => {
      given(histories.new())
        .when(cmd.score({ model: ' bantt@2 ' }))
        .then([event('LeadScored', { budget: 20, authority: 15, need: 20, timeframe: 10, trust: 15, total: 80, model: 'bantt@2' }, NOW)]);
    });

    it('accepts the bounds 0 and 20 and records an absent model as null', () => {
      given(histories.new())
        .when(cmd.score({ budget: 0, authority: 20, need: 0, timeframe: 20, trust: 0 }))
        .then([event('LeadScored', { budget: 0, authority: 20, need: 0, timeframe: 20, trust: 0, total: 40, model: null }, NOW)]);
    });

    const components = ['budget', 'authority', 'need', 'timeframe', 'trust'] as const;
    it.each(components.flatMap((field) => [-1, 21, 1.5, Number.NaN, '10', undefined].map((value) => [field, value] as const)))(
      'refuses %s = %p',
      (field, value) => {
        given(histories.new()).when(cmd.score({ [field]: bad(value) })).thenThrows(ValidationError, 'BAD_USER_INPUT', field);
      },
    );

    const open: LeadStatus[] = ['new', 'nurturing', 'handed_off', 'accepted', 'rejected'];
    it.each(open)('is allowed while the lead is %s', (status) => {
      expect(decide(cmd.score(), stateOf(status), CONTEXT)).toHaveLength(1);
    });
    it.each(notAllowed(open))('is refused once the lead is %s', (status) => {
      given(histories[status]()).when(cmd.score()).thenThrows(InvalidTransitionError, 'INVALID_TRANSITION', `is ${status}: it can be scored only from`);
    });
  });

  describe('HandOffLead', () => {
    const allowed: LeadStatus[] = ['new', 'nurturing', 'rejected'];
    it.each(allowed)('hands off a %s lead, normalising optional fields', (status) => {
      given(histories[status]())
        .when(cmd.handOff({ ownerId: ' rep-7 ', team: '  ', note: ' hot ', estimatedValue: 12000 }))
        .then([event('HandedOff', { ownerId: 'rep-7', team: null, note: 'hot', estimatedValue: 12000 }, NOW)]);
    });

    it('refuses a lead already handed off, saying why', () => {
      given(histories.handed_off())
        .when(cmd.handOff())
        .thenThrows(InvalidTransitionError, 'INVALID_TRANSITION', 'Lead lead-1 is handed_off: it can be handed off only from new, nurturing or rejected');
    });
    it.each(notAllowed(allowed))('refuses a %s lead', (status) => {
      given(histories[status]()).when(cmd.handOff()).thenThrows(InvalidTransitionError, 'INVALID_TRANSITION', `is ${status}: it can be handed off only from`);
    });

    it.each([[''], ['  '], [undefined]])('refuses ownerId %p', (ownerId) => {
      given(histories.new()).when(cmd.handOff({ ownerId: bad(ownerId) })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'ownerId');
    });
    it('refuses a negative estimatedValue', () => {
      given(histories.new()).when(cmd.handOff({ estimatedValue: -5 })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'estimatedValue');
    });
  });

  describe('AcceptLead', () => {
    const allowed: LeadStatus[] = ['handed_off', 'new', 'nurturing'];
    it('accepts a handed_off lead', () => {
      given(histories.handed_off()).when(cmd.accept({ by: ' rep-7 ', note: ' ok ' })).then([event('Accepted', { by: 'rep-7', note: 'ok' }, NOW)]);
    });
    const sourcedBy = (origin: 'SALES' | 'PARTNER', status: 'new' | 'nurturing') =>
      [events.captured({ origin }), ...histories[status]().slice(1)];
    it.each([
      ['SALES', 'new'],
      ['SALES', 'nurturing'],
      ['PARTNER', 'new'],
      ['PARTNER', 'nurturing'],
    ] as const)('accepts a %s-sourced %s lead directly (no hand-off)', (origin, status) => {
      given(sourcedBy(origin, status)).when(cmd.accept()).then([event('Accepted', { by: 'rep-7', note: null }, NOW)]);
    });
    it.each(['new', 'nurturing'] as const)('refuses to accept a marketing %s lead before its hand-off', (status) => {
      given(histories[status]())
        .when(cmd.accept())
        .thenThrows(InvalidTransitionError, 'INVALID_TRANSITION', 'accepted only after it is handed off');
    });
    it.each(notAllowed(allowed))('refuses a %s lead', (status) => {
      given(histories[status]()).when(cmd.accept()).thenThrows(InvalidTransitionError, 'INVALID_TRANSITION', `is ${status}: it can be accepted only from`);
    });
    it.each([[''], [' '], [undefined]])('refuses by %p', (by) => {
      given(histories.handed_off()).when(cmd.accept({ by: bad(by) })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'by');
    });
  });

  describe('RejectLead', () => {
    it('rejects a handed-off lead with a trimmed reason', () => {
      given(histories.handed_off())
        .when(cmd.reject({ reason: ' no-budget ', note: '' }))
        .then([event('Rejected', { by: 'rep-7', reason: 'no-budget', note: null }, NOW)]);
    });
    it.each(notAllowed(['handed_off']))('refuses a %s lead', (status) => {
      given(histories[status]()).when(cmd.reject()).thenThrows(InvalidTransitionError, 'INVALID_TRANSITION', `is ${status}: it can be rejected only from handed_off`);
    });
    it.each([[''], ['   '], [undefined]])('refuses reason %p', (reason) => {
      given(histories.handed_off()).when(cmd.reject({ reason: bad(reason) })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'reason');
    });
    it('refuses a blank by', () => {
      given(histories.handed_off()).when(cmd.reject({ by: ' ' })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'by');
    });
  });

  describe('RecycleLead', () => {
    const allowed: LeadStatus[] = ['new', 'accepted', 'rejected', 'nurturing', 'lost'];
    it.each(allowed)('recycles a %s lead', (status) => {
      given(histories[status]())
        .when(cmd.recycle({ reason: ' timing ', toStage: ' mql ', note: ' next quarter ' }))
        .then([event('Recycled', { reason: 'timing', toStage: 'mql', note: 'next quarter' }, NOW)]);
    });
    it('records a blank toStage as null (the first stage)', () => {
      given(histories.new()).when(cmd.recycle({ toStage: ' ' })).then([event('Recycled', { reason: 'timing', toStage: null, note: null }, NOW)]);
    });
    it('refuses a handed-off lead: sales answers first', () => {
      given(histories.handed_off()).when(cmd.recycle()).thenThrows(InvalidTransitionError, 'INVALID_TRANSITION', 'sales must accept or reject it first');
    });
    it('refuses a won lead', () => {
      given(histories.won()).when(cmd.recycle()).thenThrows(InvalidTransitionError, 'INVALID_TRANSITION', 'a won lead is closed for good');
    });
    it.each([[''], [' '], [undefined]])('refuses reason %p', (reason) => {
      given(histories.new()).when(cmd.recycle({ reason: bad(reason) })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'reason');
    });
    it('refuses a toStage that is not a string', () => {
      given(histories.new()).when(cmd.recycle({ toStage: bad(3) })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'toStage');
    });
  });

  describe('MarkLeadLost', () => {
    const open: LeadStatus[] = ['new', 'nurturing', 'handed_off', 'accepted', 'rejected'];
    it.each(open)('marks a %s lead lost', (status) => {
      given(histories[status]())
        .when(cmd.lose({ reason: ' price ', value: 800, competitor: ' Globex ' }))
        .then([event('Lost', { reason: 'price', value: 800, competitor: 'Globex', note: null }, NOW)]);
    });
    it.each(notAllowed(open))('refuses a %s lead', (status) => {
      given(histories[status]()).when(cmd.lose()).thenThrows(InvalidTransitionError, 'INVALID_TRANSITION', `is ${status}: it can be marked lost only from`);
    });
    it.each([[''], [undefined]])('refuses reason %p', (reason) => {
      given(histories.new()).when(cmd.lose({ reason: bad(reason) })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'reason');
    });
    it.each([[-0.01], [Number.NaN]])('refuses value %p', (value) => {
      given(histories.new()).when(cmd.lose({ value })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'value');
    });
  });

  describe('MarkLeadWon', () => {
    it('uses the default currency when none is given', () => {
      given(histories.accepted()).when(cmd.win({ amount: 5000 })).then([event('Won', { amount: 5000, currency: 'EUR' }, NOW)]);
    });
    it('uses the default currency when the given one is blank', () => {
      given(histories.accepted()).when(cmd.win({ currency: '  ' })).then([event('Won', { amount: 5000, currency: 'EUR' }, NOW)]);
    });
    it('trims and uppercases a given currency', () => {
      given(histories.accepted()).when(cmd.win({ amount: 0.5, currency: ' usd ' })).then([event('Won', { amount: 0.5, currency: 'USD' }, NOW)]);
    });
    it('uses the context default currency', () => {
      given(histories.accepted())
        .when(cmd.win(), { ...CONTEXT, defaultCurrency: 'gbp' })
        .then([event('Won', { amount: 5000, currency: 'GBP' }, NOW)]);
    });
    it.each(notAllowed(['accepted']))('refuses a %s lead', (status) => {
      given(histories[status]()).when(cmd.win()).thenThrows(InvalidTransitionError, 'INVALID_TRANSITION', `is ${status}: it can be marked won only from accepted`);
    });
    it.each([[0], [-10], [Number.NaN], [Number.POSITIVE_INFINITY], [undefined], ['100']])('refuses amount %p', (amount) => {
      given(histories.accepted()).when(cmd.win({ amount: bad(amount) })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'amount');
    });
    it.each([['EURO'], ['E1'], ['€'], [bad(978)]])('refuses currency %p', (currency) => {
      given(histories.accepted()).when(cmd.win({ currency })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'currency');
    });
  });

  describe('AdvanceLeadStage', () => {
    it('records a downstream step of an accepted lead', () => {
      given(histories.accepted())
        .when(cmd.advance({ step: ' proposal ', value: 20000, note: ' sent ' }))
        .then([event('StageAdvanced', { step: 'proposal', value: 20000, note: 'sent' }, NOW)]);
    });
    it.each(notAllowed(['accepted']))('refuses a %s lead', (status) => {
      given(histories[status]()).when(cmd.advance()).thenThrows(InvalidTransitionError, 'INVALID_TRANSITION', `is ${status}: it can be advanced only from accepted`);
    });
    it.each([[''], [' '], [undefined]])('refuses step %p', (step) => {
      given(histories.accepted()).when(cmd.advance({ step: bad(step) })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'step');
    });
    it('refuses a negative value', () => {
      given(histories.accepted()).when(cmd.advance({ value: -1 })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'value');
    });
  });

  describe('time', () => {
    const lastAt = at(3); // histories.accepted() ends with Accepted at at(3)

    it('defaults occurredAt to now, with the current schema version', () => {
      const [recorded] = decide(cmd.advance(), stateOf('accepted'), CONTEXT);
      expect(recorded).toMatchObject({ occurredAt: NOW, schemaVersion: 1 });
    });

    it('copies the caller Date, so mutating it later cannot change the event', () => {
      const when = at(10);
      const [recorded] = decide(cmd.advance({ occurredAt: when }), stateOf('accepted'), CONTEXT);
      when.setTime(0);
      expect(recorded!.occurredAt).toEqual(at(10));
    });

    it('accepts an occurredAt equal to the latest event', () => {
      given(histories.accepted())
        .when(cmd.advance({ occurredAt: new Date(lastAt.getTime()) }))
        .then([event('StageAdvanced', { step: 'meeting', value: null, note: null }, lastAt)]);
    });

    it('refuses an occurredAt earlier than the latest event, naming both instants', () => {
      const error = given(histories.accepted())
        .when(cmd.advance({ occurredAt: new Date(lastAt.getTime() - 1) }))
        .thenThrows(ValidationError, 'BAD_USER_INPUT', 'occurredAt');
      expect(error.message).toContain('2024-03-01T09:02:59.999Z');
      expect(error.message).toContain('2024-03-01T09:03:00.000Z');
    });

    it('accepts an occurredAt up to 5 minutes after now', () => {
      const limit = new Date(NOW.getTime() + 5 * 60_000);
      given(histories.accepted()).when(cmd.advance({ occurredAt: limit })).then([event('StageAdvanced', { step: 'meeting', value: null, note: null }, limit)]);
    });

    it.each([
      ['AdvanceLeadStage', histories.accepted(), cmd.advance({ occurredAt: new Date(NOW.getTime() + 5 * 60_000 + 1) })],
      ['CaptureResponder', [], cmd.capture({ occurredAt: new Date(NOW.getTime() + 5 * 60_000 + 1) })],
    ] as const)('refuses %s more than 5 minutes after now', (_, history, command) => {
      given(history).when(command).thenThrows(ValidationError, 'BAD_USER_INPUT', 'occurredAt');
    });

    it.each([[new Date('not a date')], ['2024-03-01T09:00:00Z']])('refuses occurredAt %p that is not a valid Date', (occurredAt) => {
      given(histories.accepted()).when(cmd.advance({ occurredAt: bad(occurredAt) })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'occurredAt');
    });
  });

  describe('order of checks: existence, fields, status, time', () => {
    it('reports a missing lead before invalid fields', () => {
      given([]).when(cmd.score({ budget: 99 })).thenThrows(LeadNotFoundError, 'NOT_FOUND');
    });
    it('reports "already captured" before invalid fields', () => {
      given(histories.new()).when(cmd.capture({ channel: '' })).thenThrows(InvalidTransitionError, 'INVALID_TRANSITION', 'already captured');
    });
    it('reports invalid fields before a refused transition', () => {
      given(histories.new()).when(cmd.reject({ reason: ' ' })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'reason');
    });
    it('reports an invalid occurredAt Date with the fields, before a refused transition', () => {
      given(histories.won()).when(cmd.accept({ occurredAt: new Date(Number.NaN) })).thenThrows(ValidationError, 'BAD_USER_INPUT', 'occurredAt');
    });
    it('reports a refused transition before an out-of-order occurredAt', () => {
      given(histories.won()).when(cmd.accept({ occurredAt: at(0) })).thenThrows(InvalidTransitionError, 'INVALID_TRANSITION', 'is won');
    });
  });
});

/** The folded state of a canned history, for tests that call decide directly. */
function stateOf(status: LeadStatus) {
  return foldLead(LEAD_ID, histories[status]());
}

describe('lead ids', () => {
  const capture = (leadId: string) => decide({ type: 'CaptureResponder', leadId, channel: 'web', origin: 'MARKETING' }, initialLeadState(leadId), CONTEXT);

  it.each([
    ['$funnel-definitions', /reserved for the ledger's own streams/],
    ['', /must not be empty/],
    ['   ', /must not be empty/],
    ['x'.repeat(201), /at most 200 characters/],
    ['lead\n7', /control characters/],
  ])('refuses %j on field leadId before anything else', (leadId, message) => {
    expect(() => capture(leadId)).toThrow(ValidationError);
    expect(() => capture(leadId)).toThrow(message);
    try {
      capture(leadId);
    } catch (error) {
      expect((error as ValidationError).field).toBe('leadId');
    }
  });

  it('accepts CRM-style ids, including a dollar sign inside', () => {
    for (const leadId of ['00Q5e00000AbCdE', 'lead-42', 'a$b', 'x'.repeat(200)]) expect(capture(leadId)).toHaveLength(1);
  });
});
