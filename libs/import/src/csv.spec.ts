import { CsvParser, CsvSyntaxError, parseCsv } from './csv.js';

describe('CSV parsing', () => {
  it('given quoted fields with delimiters, doubled quotes and line breaks, when parsed, then each record keeps its text and starting line', () => {
    const text = '\ufeffid,name,note\r\n1,"Acme, Inc.","said ""hi""\nthen left"\r\n2,Beta,\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['id', 'name', 'note'] },
      { line: 2, fields: ['1', 'Acme, Inc.', 'said "hi"\nthen left'] },
      { line: 4, fields: ['2', 'Beta', ''] },
    ]);
  });

  it('given the same text pushed in chunks of any size, when parsed, then the records are the same', () => {
    const text = 'a;b\r\n"x;1";"y""z"\r\nlast;row';
    const whole = parseCsv(text, ';');
    for (const size of [1, 2, 3, 7]) {
      const parser = new CsvParser(';');
      const records = [];
      for (let i = 0; i < text.length; i += size) records.push(...parser.push(text.slice(i, i + size)));
      records.push(...parser.end());
      expect(records).toEqual(whole);
    }
    expect(whole[2]).toEqual({ line: 3, fields: ['last', 'row'] });
  });

  it('given a stray quote or an unclosed quoted field, when parsed, then the error names the line', () => {
    expect(() => parseCsv('a,b\n1,x"y\n')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('a,b\n1,x"y\n')).toThrow(/line 2/);
    expect(() => parseCsv('a,b\n1,"open\n2,3\n')).toThrow(/line 2: a quoted field is not closed/);
    expect(() => parseCsv('a\n"x"y\n')).toThrow(/after the closing quote/);
  });
});
