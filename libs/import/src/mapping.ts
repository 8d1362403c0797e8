import { isLeadEventType, LEAD_EVENT_TYPES, type LeadEventType } from '../../domain/src/index.js';
import { DATE_ORDERS, DateParseError, parseDateTime, type DateOrder } from './dates.js';
import { fieldsOf } from './lead-plan.js';
import { importEventId, type MappedRow, type RowProblem, type SourceEvent } from './source-event.js';

/**
 * A declarative mapping from a CSV export to funnel events (README, "Importing history"): no code per customer.
 * Each row gives a lead id and the events of the rules whose `when` holds; values come from the row's columns,
 * from lookup files joined on a column, from templates or constants, with value aliases, defaults and types.
 */
export interface MappingDocument {
  /** The source's name: part of every event id, so keep it when the mapping evolves. */
  name: string;
  description?: string;
  /** Field delimiter of the CSV (default ','). */
  delimiter?: string;
  /** How dates like 3/1/2017 read: 'mdy' or 'dmy'; ISO dates always read (default 'iso'). */
  dateOrder?: DateOrder;
  leadId: ValueSpec;
  /** A row no event rule applies to: 'reject' its lead (default: nothing is dropped silently) or 'skip' it (counted). */
  unmatched?: 'reject' | 'skip';
  /** Rows to leave out on purpose (e.g. records marked deleted); each is counted in the report. */
  skip?: Condition;
  /** Other CSV files (paths relative to the input) joined on a key column: `{"lookup": name, "column": ...}`. */
  lookups?: Record<string, LookupSpec>;
  events: EventSpec[];
  /** What the mapping does about known traps of the source; copied into every import report. */
  traps?: string[];
}

export type Literal = string | number | boolean | null;

/** A value: a constant, a column of the row, a column of a lookup row, or a template over columns. */
export interface ValueExpr {
  column?: string;
  lookup?: string;
  template?: string;
  value?: Literal;
  /** Source value (trimmed) -> recorded value: spelling variants, codes. Each use is counted in the report. */
  map?: Record<string, Literal>;
  /** With `map`: the value of any non-empty source value the map does not list. */
  otherwise?: Literal;
  type?: 'text' | 'number' | 'integer';
  /** Used when the value is empty (counted in the report). */
  default?: Literal;
  /** An empty value is a problem of the row. */
  required?: boolean;
}

export type ValueSpec = Literal | ValueExpr;
/** An event field: a value, or an object of fields (account, contact, attributes). */
export type DataSpec = ValueSpec | { [field: string]: DataSpec };

export interface LookupSpec {
  file: string;
  /** The lookup file's column that holds the key. */
  key: string;
  /** The value of the input row to look up. */
  match: ValueSpec;
  /** A non-empty match with no lookup row: 'reject' the row (default) or leave the lookup's values 'empty'. */
  missing?: 'reject' | 'empty';
  delimiter?: string;
}

export interface EventSpec {
  type: LeadEventType;
  when?: Condition;
  /** Business time: a date or date-time (without offset it is read in the import's time zone). */
  at: ValueSpec;
  data?: Record<string, DataSpec>;
}

export type Condition =
  | { column: string; lookup?: string; equals?: string; in?: string[]; empty?: boolean; differsFrom?: string }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

/** A mapping document that cannot be used; `path` points into it (e.g. events[2].data.amount). */
export class MappingError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'MappingError';
  }
}

/** A lookup file, read: its header and its rows by key. */
export interface LookupTable {
  file: string;
  header: string[];
  rows: Map<string, string[]>;
}

export interface MapperOptions {
  timeZone: string;
  /** Where rows without any date are placed; null: such rows are reported as not placeable in time. */
  undatedAt: Date | null;
}

export interface RowMapper {
  readonly source: string;
  map(fields: string[], row: number, sequence: number): MappedRow;
}

// ---- validation of a document (user files are JSON: every shape is checked, with a path) ---------------------

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLiteral = (v: unknown): v is Literal => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const VALUE_KEYS = ['column', 'lookup', 'template', 'value', 'map', 'otherwise', 'type', 'default', 'required'];
const SOURCE_KEYS = ['column', 'template', 'value'];

/** A value expression is an object with `column`, `template` or `value`; any other object is nested fields. */
function isValueExpr(spec: unknown): spec is ValueExpr {
  return isObject(spec) && SOURCE_KEYS.some((k) => k in spec);
}

export function validateMapping(input: unknown): MappingDocument {
  if (!isObject(input)) throw new MappingError('(document)', 'a mapping is a JSON object');
  const known = ['name', 'description', 'delimiter', 'dateOrder', 'leadId', 'skip', 'unmatched', 'lookups', 'events', 'traps', '$schema'];
  for (const key of Object.keys(input)) if (!known.includes(key)) throw new MappingError(key, `unknown key (${known.join(', ')})`);
  if (typeof input.name !== 'string' || input.name.trim() === '') throw new MappingError('name', 'required: the source name, part of every event id');
  if (input.delimiter !== undefined && (typeof input.delimiter !== 'string' || input.delimiter.length !== 1)) throw new MappingError('delimiter', 'one character');
  if (input.dateOrder !== undefined && !DATE_ORDERS.includes(input.dateOrder as DateOrder)) throw new MappingError('dateOrder', `one of ${DATE_ORDERS.join(', ')}`);
  if (input.traps !== undefined && (!Array.isArray(input.traps) || input.traps.some((t) => typeof t !== 'string'))) throw new MappingError('traps', 'a list of strings');
  const lookups = input.lookups ?? {};
  if (!isObject(lookups)) throw new MappingError('lookups', 'an object of name -> {file, key, match}');
  for (const [name, spec] of Object.entries(lookups)) {
    const at = `lookups.${name}`;
    if (!isObject(spec)) throw new MappingError(at, 'an object {file, key, match}');
    for (const key of Object.keys(spec)) if (!['file', 'key', 'match', 'missing', 'delimiter'].includes(key)) throw new MappingError(`${at}.${key}`, 'unknown key');
    if (typeof spec.file !== 'string' || spec.file === '') throw new MappingError(`${at}.file`, 'required: a CSV file path relative to the input');
    if (typeof spec.key !== 'string' || spec.key === '') throw new MappingError(`${at}.key`, 'required: the key column of the lookup file');
    if (spec.missing !== undefined && spec.missing !== 'reject' && spec.missing !== 'empty') throw new MappingError(`${at}.missing`, "'reject' or 'empty'");
    checkValue(spec.match, `${at}.match`, {}, true);
  }
  const names = lookups as Record<string, unknown>;
  checkValue(input.leadId, 'leadId', names, true);
  if (input.skip !== undefined) checkCondition(input.skip, 'skip', names);
  if (input.unmatched !== undefined && input.unmatched !== 'reject' && input.unmatched !== 'skip') throw new MappingError('unmatched', "'reject' or 'skip'");
  if (!Array.isArray(input.events) || input.events.length === 0 || input.events.length > 64) throw new MappingError('events', 'a list of 1 to 64 event rules');
  input.events.forEach((spec: unknown, i: number) => {
    const at = `events[${i}]`;
    if (!isObject(spec)) throw new MappingError(at, 'an object {type, when?, at, data?}');
    for (const key of Object.keys(spec)) if (!['type', 'when', 'at', 'data'].includes(key)) throw new MappingError(`${at}.${key}`, 'unknown key (type, when, at, data)');
    if (typeof spec.type !== 'string' || !isLeadEventType(spec.type)) throw new MappingError(`${at}.type`, `one of ${LEAD_EVENT_TYPES.join(', ')}`);
    if (spec.when !== undefined) checkCondition(spec.when, `${at}.when`, names);
    checkValue(spec.at, `${at}.at`, names, true);
    if (spec.data !== undefined) {
      if (!isObject(spec.data)) throw new MappingError(`${at}.data`, 'an object of event fields');
      const fields = fieldsOf(spec.type);
      for (const [field, value] of Object.entries(spec.data)) {
        if (!fields.includes(field)) throw new MappingError(`${at}.data.${field}`, `not a field of ${spec.type} (${fields.join(', ')})`);
        checkData(value, `${at}.data.${field}`, names);
      }
    }
  });
  return input as unknown as MappingDocument;
}

function checkValue(spec: unknown, at: string, lookups: Record<string, unknown>, needsSource = false): void {
  if (isLiteral(spec)) {
    if (needsSource && spec === null) throw new MappingError(at, 'a value is required');
    return;
  }
  if (!isValueExpr(spec)) throw new MappingError(at, 'a constant or an object with column, template or value');
  for (const key of Object.keys(spec)) if (!VALUE_KEYS.includes(key)) throw new MappingError(`${at}.${key}`, `unknown key (${VALUE_KEYS.join(', ')})`);
  if (SOURCE_KEYS.filter((k) => k in spec).length !== 1) throw new MappingError(at, 'exactly one of column, template or value');
  if (spec.column !== undefined && (typeof spec.column !== 'string' || spec.column === '')) throw new MappingError(`${at}.column`, 'a column name');
  if (spec.template !== undefined && (typeof spec.template !== 'string' || !/\{[^}]+\}/.test(spec.template))) throw new MappingError(`${at}.template`, 'text with {column} placeholders');
  if (spec.lookup !== undefined) {
    if (spec.column === undefined) throw new MappingError(`${at}.lookup`, 'a lookup value names the column of the lookup file to take');
    if (typeof spec.lookup !== 'string' || !(spec.lookup in lookups)) throw new MappingError(`${at}.lookup`, `not a lookup of this mapping (${Object.keys(lookups).join(', ') || 'none'})`);
  }
  if (spec.value !== undefined && !isLiteral(spec.value)) throw new MappingError(`${at}.value`, 'a constant');
  if (spec.map !== undefined && (!isObject(spec.map) || !Object.values(spec.map).every(isLiteral))) throw new MappingError(`${at}.map`, 'an object of source value -> value');
  if (spec.type !== undefined && !['text', 'number', 'integer'].includes(spec.type)) throw new MappingError(`${at}.type`, 'text, number or integer');
  if (spec.otherwise !== undefined && (spec.map === undefined || !isLiteral(spec.otherwise))) throw new MappingError(`${at}.otherwise`, 'a constant, with map');
  if (spec.default !== undefined && !isLiteral(spec.default)) throw new MappingError(`${at}.default`, 'a constant');
  if (spec.required !== undefined && typeof spec.required !== 'boolean') throw new MappingError(`${at}.required`, 'true or false');
}

function checkData(spec: unknown, at: string, lookups: Record<string, unknown>): void {
  if (isLiteral(spec) || isValueExpr(spec)) return checkValue(spec, at, lookups);
  if (!isObject(spec)) throw new MappingError(at, 'a value or an object of fields');
  for (const [key, value] of Object.entries(spec)) checkData(value, `${at}.${key}`, lookups);
}

function checkCondition(spec: unknown, at: string, lookups: Record<string, unknown>): void {
  if (!isObject(spec)) throw new MappingError(at, 'a condition object');
  if ('all' in spec || 'any' in spec) {
    const list = (spec.all ?? spec.any) as unknown;
    if (!Array.isArray(list) || list.length === 0) throw new MappingError(at, 'all / any take a non-empty list of conditions');
    list.forEach((c, i) => checkCondition(c, `${at}.${'all' in spec ? 'all' : 'any'}[${i}]`, lookups));
    return;
  }
  if ('not' in spec) return checkCondition(spec.not, `${at}.not`, lookups);
  if (typeof spec.column !== 'string') throw new MappingError(at, 'a condition names a column (or all / any / not)');
  for (const key of Object.keys(spec)) if (!['column', 'lookup', 'equals', 'in', 'empty', 'differsFrom'].includes(key)) throw new MappingError(`${at}.${key}`, 'unknown key');
  const tests = ['equals', 'in', 'empty', 'differsFrom'].filter((k) => k in spec);
  if (tests.length !== 1) throw new MappingError(at, 'exactly one of equals, in, empty, differsFrom');
  if ('in' in spec && (!Array.isArray(spec.in) || spec.in.some((v) => typeof v !== 'string'))) throw new MappingError(`${at}.in`, 'a list of strings');
  if (spec.lookup !== undefined && !(String(spec.lookup) in lookups)) throw new MappingError(`${at}.lookup`, 'not a lookup of this mapping');
}

// ---- the interpreter -------------------------------------------------------------------------------------------

interface RowContext {
  fields: string[];
  row: number;
  lookupRows: Map<string, string[] | null>;
  problems: RowProblem[];
  notes: string[];
}

/** Every column of the input the mapping reads (the row's identity: other columns may come and go). */
function referencedColumns(doc: MappingDocument): Set<string> {
  const columns = new Set<string>();
  const value = (spec: unknown) => {
    if (!isValueExpr(spec) || spec.lookup !== undefined) return;
    if (spec.column) columns.add(spec.column);
    if (spec.template) for (const m of spec.template.matchAll(/\{([^}]+)\}/g)) columns.add(m[1]!);
  };
  const data = (spec: unknown): void => (isObject(spec) && !isValueExpr(spec) ? Object.values(spec).forEach(data) : value(spec));
  const condition = (c: Condition): void => {
    if ('all' in c) return c.all.forEach(condition);
    if ('any' in c) return c.any.forEach(condition);
    if ('not' in c) return condition(c.not);
    if (c.lookup === undefined) columns.add(c.column);
    if (c.differsFrom) columns.add(c.differsFrom);
  };
  value(doc.leadId);
  if (doc.skip) condition(doc.skip);
  for (const spec of Object.values(doc.lookups ?? {})) value(spec.match);
  for (const spec of doc.events) {
    value(spec.at);
    if (spec.when) condition(spec.when);
    Object.values(spec.data ?? {}).forEach(data);
  }
  return columns;
}

/**
 * Compiles a validated mapping for a file with `header`: every column it names must be in the header (and
 * every lookup column in its lookup file), so a wrong file or a typo fails before any row is read.
 */
export function compileMapping(doc: MappingDocument, header: string[], lookups: Record<string, LookupTable>, options: MapperOptions): RowMapper {
  const index = new Map(header.map((name, i) => [name.trim(), i]));
  const identityColumns = [...referencedColumns(doc)];
  for (const column of identityColumns) {
    if (!index.has(column)) throw new MappingError(`column ${column}`, `not in the file's header (${header.join(', ')})`);
  }
  const lookupIndex = new Map<string, Map<string, number>>();
  for (const [name, spec] of Object.entries(doc.lookups ?? {})) {
    const table = lookups[name];
    if (!table) throw new MappingError(`lookups.${name}`, `the lookup file ${spec.file} was not loaded`);
    lookupIndex.set(name, new Map(table.header.map((h, i) => [h.trim(), i])));
  }
  const checkLookupColumn = (lookup: string, column: string, at: string) => {
    if (!lookupIndex.get(lookup)!.has(column)) throw new MappingError(at, `column ${column} is not in ${lookups[lookup]!.file} (${lookups[lookup]!.header.join(', ')})`);
  };
  const walk = (spec: unknown, at: string): void => {
    if (isValueExpr(spec) && spec.lookup !== undefined) checkLookupColumn(spec.lookup, spec.column!, at);
    else if (isObject(spec) && !isValueExpr(spec)) for (const [k, v] of Object.entries(spec)) walk(v, `${at}.${k}`);
  };
  doc.events.forEach((spec, i) => {
    walk(spec.at, `events[${i}].at`);
    for (const [field, value] of Object.entries(spec.data ?? {})) walk(value, `events[${i}].data.${field}`);
  });
  walk(doc.leadId, 'leadId');
  const dateOrder = doc.dateOrder ?? 'iso';

  const cell = (ctx: RowContext, column: string): string => (ctx.fields[index.get(column)!] ?? '').trim();

  const lookupRow = (ctx: RowContext, name: string): string[] | null => {
    if (ctx.lookupRows.has(name)) return ctx.lookupRows.get(name)!;
    const spec = doc.lookups![name]!;
    const key = evaluate(ctx, spec.match, `lookups.${name}.match`).value;
    let found: string[] | null = null;
    if (key === null || key === '') {
      ctx.notes.push(`${labelOf(spec.match)} is empty: nothing taken from ${spec.file}`);
    } else {
      found = lookups[name]!.rows.get(String(key)) ?? null;
      if (found === null) {
        if ((spec.missing ?? 'reject') === 'reject') {
          ctx.problems.push({ row: ctx.row, field: labelOf(spec.match), reason: `${JSON.stringify(key)} is not in ${spec.file} (column ${spec.key})` });
        } else {
          ctx.notes.push(`${labelOf(spec.match)} not found in ${spec.file}: its values left empty`);
        }
      }
    }
    ctx.lookupRows.set(name, found);
    return found;
  };

  const evaluate = (ctx: RowContext, spec: ValueSpec, at: string): { value: Literal; source: string | null } => {
    if (!isValueExpr(spec)) return { value: spec, source: null };
    let value: Literal;
    const source = labelOf(spec);
    if (spec.value !== undefined) value = spec.value;
    else if (spec.template !== undefined) {
      let any = false;
      value = spec.template.replace(/\{([^}]+)\}/g, (_, column: string) => {
        const text = cell(ctx, column);
        if (text !== '') any = true;
        return text;
      });
      if (!any) value = null;
    } else if (spec.lookup !== undefined) {
      const found = lookupRow(ctx, spec.lookup);
      const text = found ? (found[lookupIndex.get(spec.lookup)!.get(spec.column!)!] ?? '').trim() : '';
      value = text === '' ? null : text;
    } else {
      const text = cell(ctx, spec.column!);
      value = text === '' ? null : text;
    }
    if (spec.map && value !== null && Object.prototype.hasOwnProperty.call(spec.map, String(value))) {
      const mapped = spec.map[String(value)]!;
      if (mapped !== value) ctx.notes.push(`${source} ${JSON.stringify(value)} recorded as ${JSON.stringify(mapped)}`);
      value = mapped;
    } else if (spec.otherwise !== undefined && value !== null && value !== '') {
      value = spec.otherwise;
    }
    if ((value === null || value === '') && spec.default !== undefined) {
      ctx.notes.push(`${source} empty: ${JSON.stringify(spec.default)} used`);
      value = spec.default;
    }
    if (value !== null && (spec.type === 'number' || spec.type === 'integer')) {
      const text = String(value).trim();
      const number = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
      if (!Number.isFinite(number) || (spec.type === 'integer' && !Number.isInteger(number))) {
        ctx.problems.push({ row: ctx.row, field: source, reason: `${JSON.stringify(String(value))} is not ${spec.type === 'integer' ? 'a whole number' : 'a number'}` });
        return { value: null, source: spec.column || spec.template ? source : null };
      }
      value = number;
    }
    if (value === null && spec.required) ctx.problems.push({ row: ctx.row, field: source, reason: `${source} is empty (${at} requires it)` });
    return { value, source: spec.column || spec.template ? source : null };
  };

  const build = (ctx: RowContext, spec: DataSpec, at: string, sources: Record<string, string>, path: string): unknown => {
    if (isLiteral(spec) || isValueExpr(spec)) {
      const { value, source } = evaluate(ctx, spec, at);
      if (source) sources[path] = source;
      return value;
    }
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(spec)) {
      const value = build(ctx, member, `${at}.${key}`, sources, `${path}.${key}`);
      // Inside account, contact or attributes an empty value is left out (attributes hold strings only).
      if (value !== null) out[key] = typeof value === 'number' && path.endsWith('attributes') ? String(value) : value;
    }
    return Object.keys(out).length > 0 ? out : null;
  };

  const holds = (ctx: RowContext, condition: Condition): boolean => {
    if ('all' in condition) return condition.all.every((c) => holds(ctx, c));
    if ('any' in condition) return condition.any.some((c) => holds(ctx, c));
    if ('not' in condition) return !holds(ctx, condition.not);
    const text =
      condition.lookup !== undefined
        ? ((lookupRow(ctx, condition.lookup) ?? [])[lookupIndex.get(condition.lookup)!.get(condition.column) ?? -1] ?? '').trim()
        : cell(ctx, condition.column);
    if (condition.equals !== undefined) return text === condition.equals;
    if (condition.in !== undefined) return condition.in.includes(text);
    if (condition.empty !== undefined) return (text === '') === condition.empty;
    return text !== cell(ctx, condition.differsFrom!);
  };

  return {
    source: doc.name,
    map(fields: string[], row: number, sequence: number): MappedRow {
      const ctx: RowContext = { fields, row, lookupRows: new Map(), problems: [], notes: [] };
      if (doc.skip && holds(ctx, doc.skip)) return { row, leadId: null, events: [], problems: [], notes: ['row left out by the mapping\'s skip rule'] };
      const lead = evaluate(ctx, doc.leadId, 'leadId').value;
      const leadId = lead === null || String(lead).trim() === '' ? null : String(lead).trim();
      if (leadId === null) ctx.problems.push({ row, field: labelOf(doc.leadId), reason: 'no lead id: the row cannot be attributed to a lead' });
      const rules = doc.events.map((spec, i) => ({ spec, i })).filter(({ spec }) => !spec.when || holds(ctx, spec.when));
      if (rules.length === 0 && doc.unmatched === 'skip') ctx.notes.push('no event rule applies to the row (nothing recorded)');
      else if (rules.length === 0) ctx.problems.push({ row, field: conditionColumns(doc), reason: 'no event rule of the mapping applies to this row (e.g. an unknown event type or status)' });
      const dates = rules.map(({ spec, i }) => ({ text: evaluate(ctx, spec.at, `events[${i}].at`).value, label: labelOf(spec.at) }));
      const undated = rules.length > 0 && dates.every((d) => d.text === null);
      if (undated && options.undatedAt === null) {
        const columns = [...new Set(dates.map((d) => d.label))].join(', ');
        ctx.problems.push({
          row,
          field: columns,
          reason: `the row has no date (${columns} empty): it cannot be placed in time; pass a date for undated rows (--undated-at) to import it at that date`,
        });
      } else if (undated) {
        ctx.notes.push(`undated row placed at ${options.undatedAt!.toISOString()} (--undated-at)`);
      }
      const identity: Record<string, string> = {};
      for (const column of identityColumns) identity[column] = cell(ctx, column);
      const events: SourceEvent[] = [];
      rules.forEach(({ spec, i }, k) => {
        let occurredAt: Date | null = null;
        const text = dates[k]!.text;
        if (text !== null) {
          try {
            occurredAt = new Date(parseDateTime(String(text), options.timeZone, dateOrder));
          } catch (error) {
            if (!(error instanceof DateParseError) && !(error instanceof RangeError)) throw error;
            ctx.problems.push({ row, field: dates[k]!.label, reason: error.message });
          }
        } else if (undated) {
          occurredAt = options.undatedAt;
        } else {
          ctx.problems.push({ row, field: dates[k]!.label, reason: `${dates[k]!.label} is empty: the ${spec.type} of this row has no date` });
        }
        const sources: Record<string, string> = {};
        const data: Record<string, unknown> = {};
        for (const [field, value] of Object.entries(spec.data ?? {})) data[field] = build(ctx, value, `events[${i}].data.${field}`, sources, field);
        if (isValueExpr(spec.at)) sources.occurredAt = dates[k]!.label;
        if (occurredAt !== null && leadId !== null) {
          events.push({ leadId, row, sequence: sequence * 64 + i, type: spec.type, occurredAt, data, eventId: importEventId(doc.name, leadId, identity, i), fieldSources: sources });
        }
      });
      // A row counts once per remark, however many of its values the remark applies to.
      return { row, leadId, events: ctx.problems.length > 0 ? [] : events, problems: ctx.problems, notes: [...new Set(ctx.notes)] };
    },
  };
}

/** The columns the rules' conditions read, to name in a problem. */
function conditionColumns(doc: MappingDocument): string {
  const columns = new Set<string>();
  const walk = (c: Condition): void => {
    if ('all' in c) return c.all.forEach(walk);
    if ('any' in c) return c.any.forEach(walk);
    if ('not' in c) return walk(c.not);
    columns.add(c.column);
  };
  for (const spec of doc.events) if (spec.when) walk(spec.when);
  return [...columns].join(', ') || 'row';
}

/** How a value is named in reports: its column (with the lookup file), template or constant. */
function labelOf(spec: ValueSpec): string {
  if (!isValueExpr(spec)) return JSON.stringify(spec);
  if (spec.column !== undefined) return spec.lookup !== undefined ? `${spec.lookup}.${spec.column}` : spec.column;
  if (spec.template !== undefined) return spec.template;
  return JSON.stringify(spec.value);
}

/** The referenced columns, exported for tests and for `--show-mapping`. */
export { referencedColumns };
