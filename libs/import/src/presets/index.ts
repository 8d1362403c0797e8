import type { MappingDocument } from '../mapping.js';
import { genericCsvMapping } from './generic-csv.js';
import { MAVEN_CRM_PRESET } from './maven-crm.js';
import { SALESFORCE_LEADS_PRESET, SALESFORCE_OPPORTUNITY_HISTORY_PRESET } from './salesforce.js';

export { genericCsvMapping } from './generic-csv.js';

/** The built-in sources: `ndjson` (no mapping: one event per line) and the CSV presets. */
export const PRESET_NAMES = ['ndjson', 'maven-crm', 'salesforce-leads', 'salesforce-opportunity-history', 'generic-csv'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** The mapping of a CSV preset; generic-csv is built from the file's header. */
export function presetMapping(name: Exclude<PresetName, 'ndjson'>, header: readonly string[]): MappingDocument {
  switch (name) {
    case 'maven-crm':
      return MAVEN_CRM_PRESET;
    case 'salesforce-leads':
      return SALESFORCE_LEADS_PRESET;
    case 'salesforce-opportunity-history':
      return SALESFORCE_OPPORTUNITY_HISTORY_PRESET;
    case 'generic-csv':
      return genericCsvMapping(header);
  }
}
