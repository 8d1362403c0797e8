import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  csvFileSource,
  MappingError,
  presetMapping,
  runImport,
  validateMapping,
  type ImportLead,
  type ImportSink,
  type MappingDocument,
} from '../../libs/import/src/index.js';
import { ROOT } from './cli.js';

// The presets on the real sample exports, through the import run with an in-memory sink (no database needed).
const SAMPLE = path.resolve(ROOT, '../shared/data/salesforce-sample');
const NOW = new Date('2026-11-01T00:00:00Z');

function memorySink() {
  const written: ImportLead[] = [];
  const sink: ImportSink<readonly ImportLead[]> = {
    stored: async () => new Map(),
    prepare: (leads) => leads,
    write: async (leads) => {
      written.push(...leads);
      return { last: null, replayedLeads: [] };
    },
  };
  return { sink, written };
}

async function importWith(file: string, mapping: MappingDocument | ((header: string[]) => MappingDocument), options: { timeZone?: string; undatedAt?: Date | null } = {}) {
  const source = await csvFileSource(file, mapping, { encoding: 'utf-8', timeZone: options.timeZone ?? 'UTC', undatedAt: options.undatedAt ?? null });
  const { sink, written } = memorySink();
  const report = await runImport(source, sink, { now: NOW, defaultCurrency: 'USD' });
  return { report, written, byLead: new Map(written.map((lead) => [lead.leadId, lead])) };
}

describe('CSV presets and mapping files', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fl-import-presets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('salesforce-leads: 22 leads; Status decides the events; LeadSource is the channel, Partner Referral a PARTNER origin', async () => {
    const { report, byLead } = await importWith(path.join(SAMPLE, 'lead.csv'), presetMapping('salesforce-leads', []));
    // Status in the sample: 12 Working - Contacted, 3 Open - Not Contacted, 4 Closed - Not Converted, 3 Closed - Converted.
    expect(report.leads).toEqual({ imported: 22, skipped: 0, rejected: 0 });
    expect(report.events.imported).toBe(22 + 12 + 3 * 2 + 4);
    const types = (id: string) => byLead.get(id)!.events.map((e) => e.event.type);
    expect(types('00QHp00001TVByLMAX')).toEqual(['ResponderCaptured', 'HandedOff']); // Working - Contacted
    expect(types('00QHp00001TVByMMAX')).toEqual(['ResponderCaptured']); // Open - Not Contacted
    const capture = byLead.get('00QHp00001TVByLMAX')!.events[0]!.event;
    expect(capture.occurredAt.toISOString()).toBe('2023-10-28T20:45:25.000Z');
    expect(capture.data).toMatchObject({
      channel: 'Web',
      origin: 'MARKETING',
      account: { name: 'Farmers Coop. of Florida', industry: 'Agriculture', country: 'USA' },
      contact: { name: 'Bertha Boxer', email: 'bertha@fcof.net', title: 'Director of Vendor Relations' },
      attributes: { rating: 'Hot', status: 'Working - Contacted' },
    });
    const origins = new Map<string, number>();
    for (const lead of byLead.values()) {
      const data = lead.events[0]!.event.data as { origin: string };
      origins.set(data.origin, (origins.get(data.origin) ?? 0) + 1);
    }
    expect(Object.fromEntries(origins)).toEqual({ MARKETING: 18, PARTNER: 4 });
    expect(report.warnings).toEqual([expect.stringMatching(/same time \(2023-10-28T20:45:25.000Z\).*bulk load/)]);
  });

  it('salesforce-opportunity-history: one lead per opportunity, unchanged-stage rows record nothing, the bulk-load timestamp is flagged', async () => {
    const { report, byLead } = await importWith(path.join(SAMPLE, 'OpportunityHistory.csv'), presetMapping('salesforce-opportunity-history', []), { timeZone: 'America/Los_Angeles' });
    expect(report.rows).toBe(62);
    expect(report.leads).toEqual({ imported: 31, skipped: 0, rejected: 0 });
    // 31 first rows: capture + accept + the stage (18 Closed Won -> Won, 13 others -> StageAdvanced); 31 repeats: nothing.
    expect(report.events.imported).toBe(31 * 3);
    expect(report.notes).toEqual([expect.objectContaining({ note: 'no event rule applies to the row (nothing recorded)', rows: 31 })]);
    const won = byLead.get('006Hp000015Yh7lIAC')!.events.map((e) => [e.event.type, e.event.data]);
    expect(won[2]).toEqual(['Won', { amount: 120000, currency: 'USD' }]);
    const open = byLead.get('006Hp000015Yh7kIAC')!.events.map((e) => e.event.type);
    expect(open).toEqual(['ResponderCaptured', 'Accepted', 'StageAdvanced']);
    // Read in Los Angeles time: 20:45:25 PDT is 03:45:25 UTC the next day.
    expect(byLead.get('006Hp000015Yh7kIAC')!.events[0]!.event.occurredAt.toISOString()).toBe('2023-10-29T03:45:25.000Z');
    expect(report.warnings[0]).toMatch(/bulk load/);
    expect(report.traps.join(' ')).toMatch(/same CreatedDate/);
  });

  it('generic-csv: one row per event, fields as columns (nested ones dotted); an unknown type rejects its lead', async () => {
    const file = path.join(dir, 'events.csv');
    writeFileSync(
      file,
      [
        'leadId,type,occurredAt,channel,origin,account.name,attributes.segment,by,amount,currency',
        'a,ResponderCaptured,2026-01-01,web,SALES,Acme,smb,,,',
        'a,Accepted,2026-01-02,,,,,ann,,',
        'a,Won,2026-01-03,,,,,,"1,5",EUR',
        'b,ResponderCaptured,2026-01-01,web,SALES,,,,,',
        'b,Qualified,2026-01-02,,,,,,,',
        'c,ResponderCaptured,2026-01-01,web,MARKETING,,,,,',
        'c,Accepted,2026-01-02,,,,,bob,,',
        '',
      ].join('\n'),
    );
    const { report, byLead } = await importWith(file, (header) => presetMapping('generic-csv', header));
    expect(report.leads).toEqual({ imported: 0, skipped: 0, rejected: 3 });
    const reasons = Object.fromEntries(report.rejected.map((r) => [r.leadId, r.problems[0]]));
    expect(reasons.a).toEqual({ row: 4, field: 'amount', reason: '"1,5" is not a number' });
    expect(reasons.b).toEqual({ row: 6, field: 'type', reason: expect.stringMatching(/no event rule of the mapping applies/) });
    expect(reasons.c).toEqual({ row: 8, field: 'type', reason: expect.stringMatching(/marketing-generated lead is accepted only after it is handed off/) });
    expect(byLead.size).toBe(0);

    writeFileSync(file, 'leadId,type,occurredAt,channel,origin,account.name,attributes.segment,amount\na,ResponderCaptured,2026-01-01,web,SALES,Acme,smb,\n');
    const fixed = await importWith(file, (header) => presetMapping('generic-csv', header));
    expect(fixed.report.leads.imported).toBe(1);
    expect(fixed.byLead.get('a')!.events[0]!.event.data).toMatchObject({ account: { name: 'Acme' }, attributes: { segment: 'smb' } });
  });

  it("README's worked mapping example imports as described", async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const json = /### Mapping files[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)![1]!;
    const mapping = validateMapping(JSON.parse(json));
    writeFileSync(path.join(dir, 'owners.csv'), 'Owner,Team\nann,emea\n');
    const file = path.join(dir, 'deals.csv');
    writeFileSync(
      file,
      [
        'Deal ID,Owner,Stage,Created,Closed,Amount,Source,Region',
        '17,ann,Won,3/1/2017,4/15/2017,"12,5",Partner,EU',
        '18,bob,Lost,3/2/2017,3/20/2017,,Webinar,US',
        '19,ann,Deleted,3/3/2017,,,Web Form,EU',
        '20,,New,3/4/2017,,,,EU',
        '21,ann,Won,3/5/2017,3/30/2017,900,Web Form,EU',
      ].join('\n'),
    );
    const { report, byLead } = await importWith(file, mapping);
    expect(report.leads).toEqual({ imported: 3, skipped: 0, rejected: 1 });
    expect(report.rejected[0]).toEqual({ leadId: 'acme-17', rows: [2], problems: [{ row: 2, field: 'Amount', reason: '"12,5" is not a number' }] });
    expect(byLead.get('acme-18')!.events.map((e) => e.event.type)).toEqual(['ResponderCaptured', 'HandedOff', 'Accepted', 'Lost']);
    expect(byLead.get('acme-18')!.events[0]!.event.data).toMatchObject({ channel: 'webinar', origin: 'MARKETING', attributes: { region: 'US' } });
    expect(byLead.get('acme-20')!.events[0]!.event.data).toMatchObject({ channel: 'unknown', origin: 'MARKETING' });
    const won = byLead.get('acme-21')!.events;
    expect(won[0]!.event.data).toMatchObject({ channel: 'web form', attributes: { region: 'EU', team: 'emea' } });
    expect(won[3]!.event).toMatchObject({ type: 'Won', occurredAt: new Date('2017-03-30T00:00:00Z'), data: { amount: 900, currency: 'USD' } });
    expect(report.notes).toEqual(expect.arrayContaining([expect.objectContaining({ note: "row left out by the mapping's skip rule", rows: 1 })]));
  });

  it('a mapping file is checked before any row: unknown keys, fields an event does not have, columns the file lacks', async () => {
    const base = { name: 'crm', leadId: { column: 'id' }, events: [{ type: 'ResponderCaptured', at: { column: 'created' }, data: { channel: 'web', origin: 'SALES' } }] };
    expect(() => validateMapping({ ...base, colour: 1 })).toThrow(/colour: unknown key/);
    expect(() => validateMapping({ ...base, events: [{ ...base.events[0], data: { amount: 1 } }] })).toThrow(/events\[0\]\.data\.amount: not a field of ResponderCaptured/);
    expect(() => validateMapping({ ...base, events: [{ ...base.events[0], type: 'Signed' }] })).toThrow(MappingError);
    expect(() => validateMapping({ ...base, leadId: { column: 'id', lookup: 'nope' } })).toThrow(/leadId.lookup: not a lookup/);
    const file = path.join(dir, 'crm.csv');
    writeFileSync(file, 'id,created_at\n1,2026-01-01\n');
    await expect(csvFileSource(file, validateMapping(base), { encoding: 'utf-8', timeZone: 'UTC', undatedAt: null })).rejects.toThrow(/column created: not in the file's header \(id, created_at\)/);
  });
});
