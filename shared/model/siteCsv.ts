/**
 * The item master and the bins read from CSV files, as a new site exports
 * them from its ERP or a spreadsheet. Pure: text in, rows and errors out;
 * the caller writes the rows only when there are no errors, so a file is
 * imported whole or not at all and each error names its line.
 *
 * Items: a header line with `barcode` (required), `sku` (default: the
 * barcode), `description`, `uom` or `unit` (default `EA`). Bins: `bin`
 * (required) and `zone`. Header names are case-insensitive, other columns
 * are ignored, values are trimmed, blank lines skipped. Fields may be quoted
 * ("Bolt, M8"), with "" for a quote; `,` and `;` separate fields (the
 * header's first separator counts).
 */
import type { ItemInfo, Location } from './siteDocs';

/** An item master row with its barcode. */
export interface ItemRow extends ItemInfo {
  readonly barcode: string;
}

/** One problem, on the file's line `line` (1 is the header). */
export interface CsvError {
  readonly line: number;
  readonly message: string;
}

/** What a file holds: the rows, or the errors that keep it from being imported. */
export interface CsvImport<Row> {
  readonly rows: readonly Row[];
  readonly errors: readonly CsvError[];
}

/** The site document's limit on codes and descriptions. */
const MAX = 200;

/** One record of the file with the line it starts on. */
interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
}

/** Splits CSV text into records (quotes, doubled quotes, CRLF, a BOM); an unclosed quote is an error. */
export function splitCsv(text: string): { records: CsvRecord[]; error?: CsvError } {
  const src = text.replace(/^\uFEFF/, '');
  const firstLine = src.slice(0, src.search(/\r?\n|$/));
  const sep = /[,;]/.exec(firstLine)?.[0] ?? ',';
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let start = 1;
  let quoted = false;
  let quoteLine = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      quoteLine = line;
      field = '';
    } else if (c === sep) {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      fields.push(field);
      records.push({ line: start, fields });
      fields = [];
      field = '';
      start = ++line;
    } else field += c;
  }
  if (quoted) return { records, error: { line: quoteLine, message: 'a quoted field is never closed' } };
  if (field !== '' || fields.length > 0) records.push({ line: start, fields: [...fields, field] });
  return { records: records.filter((r) => r.fields.some((f) => f.trim() !== '')) };
}

/** A column: the header names it goes by (the first is the one errors use) and whether it must be there. */
interface Column {
  readonly names: readonly string[];
  readonly required?: boolean;
}

/**
 * Reads `text` as a table of `columns`: each record as trimmed values by
 * column key (missing columns as ''), with errors for a missing header,
 * a missing required column, and values longer than the site allows.
 */
function readTable<K extends string>(text: string, columns: Record<K, Column>): { rows: Array<{ line: number; values: Record<K, string> }>; errors: CsvError[] } {
  const { records, error } = splitCsv(text);
  if (error) return { rows: [], errors: [error] };
  const [header, ...body] = records;
  if (!header) return { rows: [], errors: [{ line: 1, message: 'the file is empty' }] };
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const index = {} as Record<K, number>;
  const errors: CsvError[] = [];
  for (const key of Object.keys(columns) as K[]) {
    index[key] = names.findIndex((n) => columns[key].names.includes(n));
    if (index[key] < 0 && columns[key].required) errors.push({ line: header.line, message: `no "${columns[key].names[0]}" column in the header (it has: ${names.join(', ') || 'nothing'})` });
  }
  if (errors.length) return { rows: [], errors };
  const rows = body.map(({ line, fields }) => {
    const values = {} as Record<K, string>;
    for (const key of Object.keys(columns) as K[]) {
      values[key] = index[key] < 0 ? '' : (fields[index[key]] ?? '').trim();
      if (values[key].length > MAX) errors.push({ line, message: `${columns[key].names[0]} is longer than ${MAX} characters` });
    }
    return { line, values };
  });
  return { rows, errors };
}

/** Records a duplicate of `key` (by `what`) as an error naming the first line. */
function checkDuplicate(seen: Map<string, number>, key: string, line: number, what: string, errors: CsvError[]): void {
  const first = seen.get(key);
  if (first !== undefined) errors.push({ line, message: `${what} ${key} is already on line ${first}` });
  else seen.set(key, line);
}

/** Reads an item master CSV file; see the module comment. */
export function parseItemsCsv(text: string): CsvImport<ItemRow> {
  const table = readTable(text, {
    barcode: { names: ['barcode', 'ean', 'gtin'], required: true },
    sku: { names: ['sku', 'item'] },
    description: { names: ['description', 'name'] },
    uom: { names: ['uom', 'unit'] },
  });
  const errors = [...table.errors];
  const seen = new Map<string, number>();
  const rows: ItemRow[] = [];
  for (const { line, values } of table.rows) {
    if (!values.barcode) {
      errors.push({ line, message: 'the barcode is empty' });
      continue;
    }
    checkDuplicate(seen, values.barcode, line, 'barcode', errors);
    rows.push({ barcode: values.barcode, sku: values.sku || values.barcode, description: values.description, uom: values.uom || 'EA' });
  }
  if (rows.length === 0 && errors.length === 0) errors.push({ line: 2, message: 'no items below the header' });
  return errors.length ? { rows: [], errors: sortErrors(errors) } : { rows, errors };
}

/** Reads a bins CSV file; see the module comment. */
export function parseBinsCsv(text: string): CsvImport<Location> {
  const table = readTable(text, {
    bin: { names: ['bin', 'location'], required: true },
    zone: { names: ['zone'] },
  });
  const errors = [...table.errors];
  const seen = new Map<string, number>();
  const rows: Location[] = [];
  for (const { line, values } of table.rows) {
    if (!values.bin) {
      errors.push({ line, message: 'the bin is empty' });
      continue;
    }
    checkDuplicate(seen, values.bin, line, 'bin', errors);
    rows.push(values.zone ? { bin: values.bin, zone: values.zone } : { bin: values.bin });
  }
  if (rows.length === 0 && errors.length === 0) errors.push({ line: 2, message: 'no bins below the header' });
  return errors.length ? { rows: [], errors: sortErrors(errors) } : { rows, errors };
}

/** One line per problem, as "line 3: the barcode is empty". */
export function csvErrorText(error: CsvError): string {
  return `line ${error.line}: ${error.message}`;
}

function sortErrors(errors: CsvError[]): CsvError[] {
  return [...errors].sort((a, b) => a.line - b.line);
}
