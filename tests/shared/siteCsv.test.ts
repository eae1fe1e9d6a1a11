import { describe, expect, it } from 'vitest';
import { csvErrorText, parseBinsCsv, parseItemsCsv, splitCsv } from '../../shared/model';

describe('splitCsv', () => {
  it.each<[string, string, Array<[number, string[]]>]>([
    ['plain lines', 'a,b\n1,2\n', [[1, ['a', 'b']], [2, ['1', '2']]]],
    ['CRLF and no newline at the end', 'a,b\r\n1,2', [[1, ['a', 'b']], [2, ['1', '2']]]],
    ['a byte order mark', '\uFEFFa,b\n1,2\n', [[1, ['a', 'b']], [2, ['1', '2']]]],
    ['quoted separators and quotes', 'a,b\n"Bolt, M8","say ""hi"""\n', [[1, ['a', 'b']], [2, ['Bolt, M8', 'say "hi"']]]],
    ['a quoted newline keeps the next line number right', 'a,b\n"x\ny",1\n2,3\n', [[1, ['a', 'b']], [2, ['x\ny', '1']], [4, ['2', '3']]]],
    ['semicolons when the header uses them', 'a;b\n1,5;2\n', [[1, ['a', 'b']], [2, ['1,5', '2']]]],
    ['blank lines are skipped', 'a\n\n1\n ,\n2\n', [[1, ['a']], [3, ['1']], [5, ['2']]]],
  ])('%s', (_name, text, expected) => {
    const { records, error } = splitCsv(text);
    expect(error).toBeUndefined();
    expect(records.map((r) => [r.line, r.fields])).toEqual(expected);
  });

  it('names the line of a quote that is never closed', () => {
    expect(splitCsv('a\n1\n"open\n').error).toEqual({ line: 3, message: 'a quoted field is never closed' });
  });
});

describe('parseItemsCsv', () => {
  it.each([
    [
      'all columns, any case and order, trimmed',
      'SKU, Barcode ,Description,UOM\n SKU-1 ,4006381333931,"Hex bolt M8, zinc",BOX\n',
      [{ barcode: '4006381333931', sku: 'SKU-1', description: 'Hex bolt M8, zinc', uom: 'BOX' }],
    ],
    ['only barcodes: the SKU is the barcode, the unit EA', 'barcode\n123\n456\n', [
      { barcode: '123', sku: '123', description: '', uom: 'EA' },
      { barcode: '456', sku: '456', description: '', uom: 'EA' },
    ]],
    ['other names for columns, extra columns ignored', 'ean;item;name;unit;price\n123;S1;Washer;PCS;0,10\n', [{ barcode: '123', sku: 'S1', description: 'Washer', uom: 'PCS' }]],
  ])('%s', (_name, text, rows) => {
    expect(parseItemsCsv(text)).toEqual({ rows, errors: [] });
  });

  it.each([
    ['an empty file', '', ['line 1: the file is empty']],
    ['a header only', 'barcode,sku\n', ['line 2: no items below the header']],
    ['no barcode column', 'sku,description\nS1,Bolt\n', ['line 1: no "barcode" column in the header (it has: sku, description)']],
    ['an empty barcode', 'barcode,sku\n123,S1\n,S2\n', ['line 3: the barcode is empty']],
    ['a barcode twice', 'barcode,sku\n123,S1\n456,S2\n123,S3\n', ['line 4: barcode 123 is already on line 2']],
    ['a description too long', `barcode,description\n123,${'x'.repeat(201)}\n`, ['line 2: description is longer than 200 characters']],
    ['every bad line, in order', 'barcode\n\n ,x\n1\n1\n', ['line 3: the barcode is empty', 'line 5: barcode 1 is already on line 4']],
    ['an unclosed quote', 'barcode,description\n1,"Bolt\n', ['line 2: a quoted field is never closed']],
  ])('refuses %s, naming the line', (_name, text, messages) => {
    const result = parseItemsCsv(text);
    expect(result.rows).toEqual([]);
    expect(result.errors.map(csvErrorText)).toEqual(messages);
  });
});

describe('parseBinsCsv', () => {
  it.each([
    ['bins with and without a zone', 'bin,zone\nA-01-1,A\nB-02\n', [{ bin: 'A-01-1', zone: 'A' }, { bin: 'B-02' }]],
    ['"location" as the bin column', 'Location\nCOLD-1\n', [{ bin: 'COLD-1' }]],
  ])('%s', (_name, text, rows) => {
    expect(parseBinsCsv(text)).toEqual({ rows, errors: [] });
  });

  it.each([
    ['no bin column', 'zone\nA\n', ['line 1: no "bin" column in the header (it has: zone)']],
    ['an empty bin', 'bin,zone\n,A\n', ['line 2: the bin is empty']],
    ['a bin twice', 'bin\nA\nA\n', ['line 3: bin A is already on line 2']],
  ])('refuses %s, naming the line', (_name, text, messages) => {
    const result = parseBinsCsv(text);
    expect(result.rows).toEqual([]);
    expect(result.errors.map(csvErrorText)).toEqual(messages);
  });
});
