import type { MappingDocument } from '../mapping.js';

/**
 * Maven Analytics "CRM Sales Opportunities" (shared/data/maven-crm): sales_pipeline.csv, one opportunity per
 * row, joined with sales_teams.csv and accounts.csv beside it. Pure data: `ledger import --show-mapping
 * maven-crm` prints it as JSON, a starting point for a mapping file of one's own.
 */
export const MAVEN_CRM_PRESET: MappingDocument = {
  name: 'maven-crm',
  description:
    'Maven CRM sales_pipeline.csv: an opportunity per row, captured with origin SALES and Accepted at engage_date; Won or Lost at close_date with close_value; product, sales agent, manager, regional office and account sector as attributes.',
  leadId: { column: 'opportunity_id', required: true },
  lookups: {
    team: { file: 'sales_teams.csv', key: 'sales_agent', match: { column: 'sales_agent' } },
    account: { file: 'accounts.csv', key: 'account', match: { column: 'account' } },
  },
  events: [
    {
      type: 'ResponderCaptured',
      at: { column: 'engage_date' },
      data: {
        channel: 'field sales',
        origin: 'SALES',
        campaign: null,
        account: {
          name: { column: 'account' },
          industry: { lookup: 'account', column: 'sector', map: { technolgy: 'technology' } },
          employees: { lookup: 'account', column: 'employees', type: 'integer' },
          country: { lookup: 'account', column: 'office_location' },
        },
        attributes: {
          product: { column: 'product', map: { GTXPro: 'GTX Pro' } },
          sales_agent: { column: 'sales_agent' },
          manager: { lookup: 'team', column: 'manager' },
          regional_office: { lookup: 'team', column: 'regional_office' },
          sector: { lookup: 'account', column: 'sector', map: { technolgy: 'technology' } },
        },
      },
    },
    {
      type: 'Accepted',
      when: { column: 'deal_stage', in: ['Engaging', 'Won', 'Lost'] },
      at: { column: 'engage_date' },
      data: { by: { column: 'sales_agent', required: true } },
    },
    {
      type: 'Won',
      when: { column: 'deal_stage', equals: 'Won' },
      at: { column: 'close_date' },
      data: { amount: { column: 'close_value', type: 'number', required: true }, currency: 'USD' },
    },
    {
      type: 'Lost',
      when: { column: 'deal_stage', equals: 'Lost' },
      at: { column: 'close_date' },
      data: { reason: 'lost (the export gives no reason)', value: null },
    },
  ],
  traps: [
    'Prospecting rows have no engage_date (no date at all): they are rejected as not placeable in time unless --undated-at gives a date, at which they are then captured (and nothing more).',
    "The pipeline spells a product 'GTXPro' where products.csv spells it 'GTX Pro': recorded as 'GTX Pro' (each such row is counted under notes).",
    "accounts.csv spells the sector 'technolgy': recorded as 'technology' (counted under notes).",
    'Open deals (Engaging, Prospecting) may have no account: they are imported without account attributes (sector (none)); counted under notes.',
    'Dates are plain dates without a time zone: read as midnight in --time-zone (default UTC).',
    "Lost deals carry close_value 0 and no reason: recorded as Lost with reason 'lost (the export gives no reason)' and no value. Won amounts are in USD.",
    'Engaging deals are captured and Accepted at engage_date and stay open.',
  ],
};
