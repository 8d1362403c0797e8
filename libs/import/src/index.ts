// Bulk import of CRM history (README, "Importing history"): parsing (CSV, NDJSON, encodings), declarative
// mappings and presets, per-lead validation through the domain's decide, and the import run. No Nest, no pg:
// the store is reached through the ImportSink the application provides.
export { CsvParser, CsvSyntaxError, parseCsv, type CsvRecord } from './csv.js';
export { parseDateTime, checkTimeZone, DateParseError, DATE_ORDERS, type DateOrder } from './dates.js';
export { importEventId, importIdempotencyKey, type MappedRow, type RowProblem, type SourceEvent } from './source-event.js';
export { planLead, fieldsOf, type LeadPlan, type PlanContext, type PlannedEvent, type StoredLeadEvent } from './lead-plan.js';
export { mapNdjsonEvent, mapNdjsonLine, NDJSON_SOURCE } from './ndjson.js';
export {
  compileMapping,
  validateMapping,
  MappingError,
  referencedColumns,
  type Condition,
  type DataSpec,
  type EventSpec,
  type LookupSpec,
  type LookupTable,
  type MapperOptions,
  type MappingDocument,
  type RowMapper,
  type ValueExpr,
  type ValueSpec,
} from './mapping.js';
export {
  runImport,
  LeadMovedError,
  type FeedPoint,
  type ImportLead,
  type ImportOptions,
  type ImportReport,
  type ImportSink,
  type ImportSource,
  type RejectedLead,
  type ReportNote,
} from './engine.js';
export { csvFileSource, ndjsonFileSource, memorySource, decodedChunks, checkEncoding, ImportInputError, ENCODINGS, type FileSourceOptions } from './file-source.js';
export { PRESET_NAMES, isPresetName, presetMapping, genericCsvMapping, type PresetName } from './presets/index.js';
