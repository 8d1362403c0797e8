import type { Condition, MappingDocument } from '../mapping.js';

/**
 * Salesforce exports (shared/data/salesforce-sample has their columns): the Lead object with its Status
 * values, and OpportunityHistory with its stage changes. Pure data, like every preset.
 */
export const SALESFORCE_LEADS_PRESET: MappingDocument = {
  name: 'salesforce-leads',
  description:
    "Salesforce Lead export (Lead.csv): captured at CreatedDate from LeadSource; Status 'Working - Contacted' hands the lead off to its owner, 'Closed - Converted' hands off and accepts, 'Closed - Not Converted' marks it lost.",
  leadId: { column: 'Id', required: true },
  skip: { column: 'IsDeleted', equals: '1' },
  events: [
    {
      type: 'ResponderCaptured',
      at: { column: 'CreatedDate' },
      data: {
        channel: { column: 'LeadSource', default: 'unspecified' },
        origin: { column: 'LeadSource', map: { 'Partner Referral': 'PARTNER', Partner: 'PARTNER' }, otherwise: 'MARKETING', default: 'MARKETING' },
        campaign: null,
        account: {
          name: { column: 'Company' },
          industry: { column: 'Industry' },
          employees: { column: 'NumberOfEmployees', type: 'integer' },
          country: { column: 'Country' },
        },
        contact: { name: { template: '{FirstName} {LastName}' }, email: { column: 'Email' }, title: { column: 'Title' } },
        attributes: { rating: { column: 'Rating' }, status: { column: 'Status' } },
      },
    },
    {
      type: 'HandedOff',
      when: { column: 'Status', in: ['Working - Contacted', 'Closed - Converted'] },
      at: { column: 'LastModifiedDate' },
      data: { ownerId: { column: 'OwnerId', required: true } },
    },
    {
      type: 'Accepted',
      when: { column: 'Status', equals: 'Closed - Converted' },
      at: { column: 'LastModifiedDate' },
      data: { by: { column: 'OwnerId', required: true } },
    },
    {
      type: 'Lost',
      when: { column: 'Status', equals: 'Closed - Not Converted' },
      at: { column: 'LastModifiedDate' },
      data: { reason: { column: 'Status' } },
    },
  ],
  traps: [
    'A Lead row holds only its current Status, not its history: the events its status implies are placed at LastModifiedDate (ConvertedDate is empty even on converted leads in real exports).',
    "LeadSource becomes the channel ('unspecified' when empty, counted under notes); 'Partner Referral' and 'Partner' give origin PARTNER, any other source MARKETING.",
    'Rows with IsDeleted = 1 are left out (counted under notes).',
    'Date-times have no time zone: read in --time-zone (default UTC). Use --encoding windows-1252 for exports made by Excel or the Data Loader on Windows.',
  ],
};

const CHANGED: Condition = { any: [{ column: 'FromOpportunityStageName', empty: true }, { column: 'StageName', differsFrom: 'FromOpportunityStageName' }] };
const CLOSED = ['Closed Won', 'Closed Lost'];

export const SALESFORCE_OPPORTUNITY_HISTORY_PRESET: MappingDocument = {
  name: 'salesforce-opportunity-history',
  description:
    'Salesforce OpportunityHistory export: one lead per OpportunityId, captured (origin SALES) and accepted at its first history row; each stage change is a StageAdvanced (step = StageName), Closed Won a Won with Amount, Closed Lost a Lost.',
  leadId: { column: 'OpportunityId', required: true },
  unmatched: 'skip',
  skip: { column: 'IsDeleted', equals: '1' },
  events: [
    {
      type: 'ResponderCaptured',
      when: { column: 'FromOpportunityStageName', empty: true },
      at: { column: 'CreatedDate' },
      data: { channel: 'salesforce opportunity', origin: 'SALES', campaign: null, estimatedValue: { column: 'Amount', type: 'number' } },
    },
    {
      type: 'Accepted',
      when: { column: 'FromOpportunityStageName', empty: true },
      at: { column: 'CreatedDate' },
      data: { by: { column: 'CreatedById', required: true } },
    },
    {
      type: 'StageAdvanced',
      when: { all: [CHANGED, { not: { column: 'StageName', in: CLOSED } }] },
      at: { column: 'CreatedDate' },
      data: { step: { column: 'StageName', required: true }, value: { column: 'Amount', type: 'number' } },
    },
    {
      type: 'Won',
      when: { all: [CHANGED, { column: 'StageName', equals: 'Closed Won' }] },
      at: { column: 'CreatedDate' },
      data: { amount: { column: 'Amount', type: 'number', required: true }, currency: 'USD' },
    },
    {
      type: 'Lost',
      when: { all: [CHANGED, { column: 'StageName', equals: 'Closed Lost' }] },
      at: { column: 'CreatedDate' },
      data: { reason: 'Closed Lost', value: { column: 'Amount', type: 'number' } },
    },
  ],
  traps: [
    'A history row whose StageName equals FromOpportunityStageName records no change: it gives no event (counted under notes as rows with no applicable rule).',
    'Every row of the sample has the same CreatedDate (a bulk load, not the time of the stage changes): the report warns when all events share one instant; equal times keep the file order, so stages stay in the order they were written, and durations (velocity, time to win) from such a file are 0.',
    'Amounts are taken as USD (single-currency org); date-times without a time zone are read in --time-zone (default UTC).',
  ],
};
