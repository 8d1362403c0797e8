import { copyJson, copyNullable, copyText } from './copy-rows.js';

describe('COPY text fields of the bulk build', () => {
  it('escapes the characters the text format reserves, and only those', () => {
    expect(copyText('plain, text; with "quotes" and é')).toBe('plain, text; with "quotes" and é');
    expect(copyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    // A field that reads as the end-of-data marker once unescaped must not be one on the wire.
    expect(copyText('\\.')).toBe('\\\\.');
  });

  it('writes null as \\N, numbers as JavaScript prints them, and text escaped', () => {
    expect(copyNullable(null)).toBe('\\N');
    expect(copyNullable(undefined)).toBe('\\N');
    expect(copyNullable(0)).toBe('0');
    expect(copyNullable(1234.5)).toBe('1234.5');
    expect(copyNullable('N')).toBe('N');
    expect(copyNullable('x\ty')).toBe('x\\ty');
  });

  it('writes jsonb as JSON text, escaped (a backslash in a JSON string survives the round trip)', () => {
    expect(copyJson(null)).toBe('\\N');
    expect(copyJson({ industry: 'Retail', note: 'line\nbreak', path: 'C:\\x' })).toBe('{"industry":"Retail","note":"line\\\\nbreak","path":"C:\\\\\\\\x"}');
  });
});
