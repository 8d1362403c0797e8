/**
 * An incremental CSV parser (RFC 4180 plus what real exports do): quoted fields with "" escapes and embedded
 * delimiters or line breaks, CRLF or LF line ends, a byte-order mark, a configurable delimiter. Text is pushed
 * in chunks of any size; each record comes out with the line it starts on (1-based, as an editor shows it), so
 * a report can point at it even when an earlier record spans several lines.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
  }
}

export class CsvParser {
  private field = '';
  private fields: string[] = [];
  private inQuotes = false;
  /** A quote just closed a quoted field: the next character must be a delimiter, a line end or another quote. */
  private quoteClosed = false;
  private line = 1;
  private recordLine = 1;
  private started = false;
  private pendingCr = false;
  private first = true;

  constructor(private readonly delimiter = ',') {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new Error(`CSV delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
    }
  }

  /** Parses a chunk; returns the records it completed. */
  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let text = chunk;
    if (this.first) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const delimiter = this.delimiter;
    let start = 0; // start of the unquoted run not yet copied into `field`
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (this.pendingCr) {
        this.pendingCr = false;
        if (c === '\n') {
          start = i + 1;
          continue;
        }
      }
      if (this.inQuotes) {
        if (c === '"') {
          this.field += text.slice(start, i);
          this.inQuotes = false;
          this.quoteClosed = true;
          start = i + 1;
        } else if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
          this.line++;
        }
        continue;
      }
      if (this.quoteClosed) {
        this.quoteClosed = false;
        if (c === '"') {
          // "" inside a quoted field: a literal quote, and the field goes on quoted.
          this.field += '"';
          this.inQuotes = true;
          start = i + 1;
          continue;
        }
        if (c !== delimiter && c !== '\n' && c !== '\r') {
          throw new CsvSyntaxError(this.line, `unexpected ${JSON.stringify(c)} after the closing quote of a field`);
        }
      }
      if (c === delimiter) {
        this.fields.push(this.field + text.slice(start, i));
        this.field = '';
        this.started = true;
        start = i + 1;
      } else if (c === '\n' || c === '\r') {
        this.fields.push(this.field + text.slice(start, i));
        this.field = '';
        out.push(this.take());
        this.line++;
        this.recordLine = this.line;
        if (c === '\r') this.pendingCr = true;
        start = i + 1;
      } else if (c === '"') {
        if (this.field !== '' || i > start) throw new CsvSyntaxError(this.line, 'a quote inside an unquoted field (quote the whole field and double the quote)');
        this.inQuotes = true;
        this.started = true;
        start = i + 1;
      } else {
        this.started = true;
      }
    }
    this.field += text.slice(start);
    return out;
  }

  /** Ends the input; returns the last record if the text did not end with a line break. */
  end(): CsvRecord[] {
    if (this.inQuotes) throw new CsvSyntaxError(this.recordLine, 'a quoted field is not closed before the end of the file');
    if (!this.started && this.field === '' && this.fields.length === 0 && !this.quoteClosed) return [];
    this.fields.push(this.field);
    this.field = '';
    this.quoteClosed = false;
    return [this.take()];
  }

  private take(): CsvRecord {
    const record = { line: this.recordLine, fields: this.fields };
    this.fields = [];
    this.started = false;
    return record;
  }
}

/** Every record of a whole text (tests, small inputs). */
export function parseCsv(text: string, delimiter = ','): CsvRecord[] {
  const parser = new CsvParser(delimiter);
  return [...parser.push(text), ...parser.end()];
}
