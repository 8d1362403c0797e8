import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { CsvParser, type CsvRecord } from './csv.js';
import type { ImportSource } from './engine.js';
import { compileMapping, validateMapping, type LookupTable, type MapperOptions, type MappingDocument, type RowMapper } from './mapping.js';
import { mapNdjsonEvent, mapNdjsonLine, NDJSON_SOURCE } from './ndjson.js';

/** Encodings an import accepts (`--encoding`); Node's TextDecoder (full ICU) decodes them. */
export const ENCODINGS = ['utf-8', 'windows-1252', 'latin1', 'utf-16le'] as const;

/** The input cannot be read as asked (missing file, wrong encoding, broken CSV...): a usage problem, not a row problem. */
export class ImportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportInputError';
  }
}

export function checkEncoding(encoding: string): string {
  const name = encoding.trim().toLowerCase().replace(/^utf8$/, 'utf-8').replace(/^cp1252$/, 'windows-1252');
  if (!(ENCODINGS as readonly string[]).includes(name)) {
    throw new ImportInputError(`unknown encoding ${JSON.stringify(encoding)} (one of ${ENCODINGS.join(', ')})`);
  }
  return name;
}

/** The file's text in chunks. UTF-8 is decoded strictly: a byte that is not UTF-8 stops the import with a hint. */
export async function* decodedChunks(file: string, encoding: string): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding, { fatal: encoding === 'utf-8' });
  let offset = 0;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      const text = decoder.decode(chunk as Buffer, { stream: true });
      offset += (chunk as Buffer).length;
      if (text) yield text;
    }
    const rest = decoder.decode();
    if (rest) yield rest;
  } catch (error) {
    if (error instanceof TypeError && encoding === 'utf-8') {
      throw new ImportInputError(
        `${file} is not valid UTF-8 (in the megabyte ending at byte ${offset}): pass --encoding windows-1252 (Excel and Salesforce exports on Windows) or the file's encoding`,
      );
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ImportInputError(`no such file: ${file}`);
    throw error;
  }
}

async function* csvRecords(file: string, encoding: string, delimiter: string): AsyncGenerator<CsvRecord> {
  const parser = new CsvParser(delimiter);
  try {
    for await (const text of decodedChunks(file, encoding)) yield* parser.push(text);
    yield* parser.end();
  } catch (error) {
    if (error instanceof Error && error.name === 'CsvSyntaxError') throw new ImportInputError(`${file}: ${error.message}`);
    throw error;
  }
}

const isBlank = (record: CsvRecord) => record.fields.length === 1 && record.fields[0]!.trim() === '';

async function readLookup(file: string, key: string, encoding: string, delimiter: string): Promise<LookupTable> {
  await access(file).catch(() => {
    throw new ImportInputError(`the mapping's lookup file ${file} does not exist (lookup files are read beside the input)`);
  });
  let header: string[] | null = null;
  let keyIndex = -1;
  const rows = new Map<string, string[]>();
  for await (const record of csvRecords(file, encoding, delimiter)) {
    if (isBlank(record)) continue;
    if (header === null) {
      header = record.fields.map((f) => f.trim());
      keyIndex = header.indexOf(key);
      if (keyIndex < 0) throw new ImportInputError(`${file} has no column ${key} (${header.join(', ')})`);
      continue;
    }
    const value = (record.fields[keyIndex] ?? '').trim();
    if (value !== '' && !rows.has(value)) rows.set(value, record.fields);
  }
  if (header === null) throw new ImportInputError(`${file} is empty`);
  return { file: path.basename(file), header, rows };
}

export interface FileSourceOptions extends MapperOptions {
  encoding: string;
}

const LEADING = '{"leadId":"';

/**
 * The id of `{"leadId":"<id without escapes>",...` at the very start of a line (as exports write it; null for an
 * empty id), undefined when the line does not start so. String searches, not a regular expression: pass 1 runs
 * it on every line.
 */
function leadingLeadId(text: string): string | null | undefined {
  if (!text.startsWith(LEADING)) return undefined;
  const end = text.indexOf('"', LEADING.length);
  if (end < 0 || text.charCodeAt(end + 1) !== 44 /* , */) return undefined;
  const id = text.slice(LEADING.length, end);
  if (id.includes('\\')) return undefined; // an escape: the full parse reads it
  return id.trim() || null;
}

/** An NDJSON file: one event per line. */
export function ndjsonFileSource(file: string, options: FileSourceOptions): ImportSource {
  // Every line of the file in order, blank ones included (consumers count them: row numbers are line numbers).
  const lines = async function* (): AsyncGenerator<string> {
    let rest = '';
    for await (const text of decodedChunks(file, options.encoding)) {
      const parts = (rest + text).split('\n');
      rest = parts.pop()!;
      for (const part of parts) yield part.endsWith('\r') ? part.slice(0, -1) : part;
    }
    if (rest !== '') yield rest;
  };
  return {
    name: NDJSON_SOURCE,
    traps: [],
    async *scan() {
      for await (const text of lines()) {
        if (text.trim() === '') continue;
        // Pass 1 only needs the lead id: a line that starts with it (as exports write it) is not parsed twice.
        const quick = leadingLeadId(text);
        if (quick !== undefined) {
          yield quick;
          continue;
        }
        let leadId: string | null = null;
        try {
          const value = JSON.parse(text) as { leadId?: unknown };
          if (typeof value?.leadId === 'string' && value.leadId.trim() !== '') leadId = value.leadId.trim();
        } catch {
          // reported by rows()
        }
        yield leadId;
      }
    },
    async *rows() {
      let sequence = 0;
      let line = 0;
      for await (const text of lines()) {
        line++;
        const mapped = mapNdjsonLine(text, line, sequence++, options.timeZone);
        if (mapped) yield mapped;
      }
    },
  };
}

/**
 * A CSV file read through a mapping (a preset's or a mapping file's). The header is read and the mapping
 * compiled against it (and its lookup files, beside the input) before any row: a mapping that names a missing
 * column fails at once.
 */
export async function csvFileSource(
  file: string,
  mapping: MappingDocument | ((header: string[]) => MappingDocument),
  options: FileSourceOptions,
): Promise<ImportSource & { mapping: MappingDocument }> {
  let header: string[] | null = null;
  for await (const record of csvRecords(file, options.encoding, ',')) {
    if (!isBlank(record)) {
      header = record.fields.map((f) => f.trim());
      break;
    }
  }
  if (header === null) throw new ImportInputError(`${file} is empty`);
  const doc = validateMapping(typeof mapping === 'function' ? mapping(header) : mapping);
  const delimiter = doc.delimiter ?? ',';
  if (delimiter !== ',') {
    header = null;
    for await (const record of csvRecords(file, options.encoding, delimiter)) {
      if (!isBlank(record)) {
        header = record.fields.map((f) => f.trim());
        break;
      }
    }
  }
  const lookups: Record<string, LookupTable> = {};
  for (const [name, spec] of Object.entries(doc.lookups ?? {})) {
    lookups[name] = await readLookup(path.resolve(path.dirname(file), spec.file), spec.key, options.encoding, spec.delimiter ?? ',');
  }
  const mapper: RowMapper = compileMapping(doc, header!, lookups, options);
  async function* dataRecords(): AsyncGenerator<CsvRecord> {
    let first = true;
    for await (const record of csvRecords(file, options.encoding, delimiter)) {
      if (isBlank(record)) continue;
      if (first) {
        first = false;
        continue;
      }
      yield record;
    }
  }
  return {
    name: doc.name,
    traps: doc.traps ?? [],
    mapping: doc,
    async *scan() {
      let sequence = 0;
      for await (const record of dataRecords()) yield mapper.map(record.fields, record.line, sequence++).leadId;
    },
    async *rows() {
      let sequence = 0;
      for await (const record of dataRecords()) yield mapper.map(record.fields, record.line, sequence++);
    },
  };
}

/** Events given in memory (the GraphQL batch): item i is "row" i + 1. */
export function memorySource(items: readonly unknown[], timeZone: string): ImportSource {
  const mapped = items.map((item, i) => mapNdjsonEvent(item, i + 1, i, timeZone));
  return {
    name: NDJSON_SOURCE,
    traps: [],
    async *scan() {
      for (const row of mapped) yield row.leadId;
    },
    async *rows() {
      yield* mapped;
    },
  };
}
