import { describe, expect, it } from 'vitest';
import { ENTRY_KINDS, InvalidEntryError, parseEntry, tryParseEntry } from '../../shared/model';

const header = (seq = 7, device = 'dev-a') => ({ id: `${device}:${seq}`, user: 'ana', device, at: 1_700_000_000_000, seq });

/** One valid entry of every kind. */
const VALID = {
  line: { ...header(), kind: 'line', item: 'SKU-1', qty: 50, lot: 'L7', note: 'two boxes dented' },
  reversal: { ...header(), kind: 'reversal', reverses: 'dev-b:3', reason: 'wrong item' },
  count: { ...header(), kind: 'count', bin: 'A-01', item: 'SKU-1', qty: 0 },
  recountRequest: { ...header(), kind: 'recountRequest', bin: 'A-01', item: 'SKU-1', reason: 'counts differ' },
  comment: { ...header(), kind: 'comment', text: 'pallet 2\nwet' },
  photo: { ...header(), kind: 'photo', photoId: 'ph-1', caption: 'damage' },
  fieldEdit: { ...header(), kind: 'fieldEdit', field: 'supplier', from: null, to: 'ACME', base: null },
  proposal: { ...header(), kind: 'proposal', record: 'record:R1', field: 'status', value: 'received', baseRevision: 3 },
  resolution: { ...header(), kind: 'resolution', conflictId: 'c1', chosen: { value: 12, note: 'recounted myself' } },
} as const;

/** A photo entry as the app writes it now: hashes, size, pixels, and what it shows. */
const PHOTO = {
  ...header(),
  kind: 'photo',
  photoId: 'a'.repeat(64),
  thumbId: 'b'.repeat(64),
  bytes: 412_345,
  width: 1536,
  height: 2048,
  caption: 'crushed corner',
  line: 'dev-b:3',
  bin: 'A-01',
} as const;

/** The error `parseEntry` throws for `input`, or undefined. */
function rejection(input: unknown): unknown {
  try {
    parseEntry(input);
  } catch (e) {
    return e;
  }
  return undefined;
}

const KINDS = 'line, reversal, count, recountRequest, comment, photo, fieldEdit, proposal, resolution';
const ENTRY_ID = 'must be an entry id <device>:<seq>';
const long = (n: number) => 'x'.repeat(n);

describe('parseEntry', () => {
  it('has a valid example for every kind', () => {
    expect(Object.keys(VALID).sort()).toEqual([...ENTRY_KINDS].sort());
  });

  it.each(Object.entries(VALID))('accepts a valid %s entry and returns an equal frozen copy', (_kind, input) => {
    const entry = parseEntry(input);
    expect(entry).toEqual(input);
    expect(entry).not.toBe(input);
    expect(Object.isFrozen(entry)).toBe(true);
  });

  const accepted: [string, unknown][] = [
    ['line without optional keys', { ...header(), kind: 'line', item: 'SKU-1', qty: 1 }],
    ['optional keys set to undefined are dropped', { ...header(), kind: 'line', item: 'SKU-1', qty: 1, lot: undefined }],
    ['an unknown key set to undefined', { ...VALID.comment, status: undefined }],
    ['a count answering a recount request', { ...VALID.count, answers: 'dev-s:4' }],
    ['a photo written before photos were built (id and caption only)', VALID.photo],
    ['a photo with its hashes, size, pixels, line and bin', PHOTO],
    ['seq 0', { ...header(0), kind: 'comment', text: 'hi' }],
    ['the largest seq', { ...header(Number.MAX_SAFE_INTEGER), kind: 'comment', text: 'hi' }],
    ['a UUID device', { ...header(1, '3f0c9a52-6f1e-4c1b-9d4e-2b7a1c0e9f11'), kind: 'comment', text: 'hi' }],
    ['a 64-character device', { ...header(1, long(64)), kind: 'comment', text: 'hi' }],
    ['the last valid time', { ...VALID.comment, at: 8.64e15 }],
    ['a 200-character user', { ...VALID.comment, user: long(200) }],
    ['a non-ASCII user', { ...VALID.comment, user: 'Zoë Ångström' }],
    ['a comment with tabs and newlines', { ...VALID.comment, text: '\tpallet 2\n\twet' }],
    ['a 4000-character comment', { ...VALID.comment, text: long(4000) }],
    ['a comment padded with spaces', { ...VALID.comment, text: '  hi  ' }],
    ['a line with the largest qty', { ...VALID.line, qty: 1_000_000_000 }],
    ['a fieldEdit with a base', { ...header(), kind: 'fieldEdit', field: 'notes', from: 'a', to: '', base: 'dev-b:1' }],
    ['an acceptedCount proposal', { ...header(), kind: 'proposal', record: 'record:R1', field: 'acceptedCount', value: 12, baseRevision: 0, bin: 'A-01', item: 'X' }],
    ['a hold proposal with a note, without record', { ...header(), kind: 'proposal', field: 'hold', value: true, baseRevision: 2, note: 'wet cartons' }],
    ['a resolution choosing a candidate', { ...header(), kind: 'resolution', record: 'record:R1', conflictId: 'c1', chosen: 'dev-b:9' }],
    ['an entered null value', { ...header(), kind: 'resolution', conflictId: 'c1', chosen: { value: null, note: 'n/a' } }],
    ['an entered empty string', { ...VALID.resolution, chosen: { value: '', note: 'n/a' } }],
    ['an entered boolean', { ...VALID.resolution, chosen: { value: false, note: 'n/a' } }],
    ['an object without a prototype', Object.assign(Object.create(null) as object, VALID.comment)],
    ['a frozen object', Object.freeze({ ...VALID.count })],
    ['an object with a symbol key', { ...VALID.comment, [Symbol('x')]: 1 }],
  ];

  it.each(accepted)('accepts %s', (_name, input) => {
    expect(() => parseEntry(input)).not.toThrow();
    expect(tryParseEntry(input)).toEqual(parseEntry(input));
  });

  it('drops undefined optional keys from the copy', () => {
    expect('lot' in parseEntry({ ...header(), kind: 'line', item: 'X', qty: 1, lot: undefined })).toBe(false);
  });

  it('returns the keys in canonical order, whatever the order of the input', () => {
    const reversed = Object.fromEntries(Object.entries({ ...VALID.line }).reverse());
    expect(Object.keys(parseEntry(reversed))).toEqual(['id', 'kind', 'user', 'device', 'at', 'seq', 'item', 'qty', 'lot', 'note']);
    const proposal = { note: 'n', item: 'X', bin: 'A', ...VALID.proposal, field: 'acceptedCount', value: 1 };
    expect(Object.keys(parseEntry(proposal))).toEqual([
      ...['id', 'kind', 'user', 'device', 'at', 'seq'],
      ...['record', 'field', 'value', 'baseRevision', 'bin', 'item', 'note'],
    ]);
    const resolution = parseEntry({ ...VALID.resolution, chosen: { note: 'n', value: 1 } });
    expect(Object.keys((resolution as { chosen: object }).chosen)).toEqual(['value', 'note']);
  });

  const line = VALID.line;
  const proposal = VALID.proposal;
  const resolution = VALID.resolution;
  /** [case, input, path of the offending key, problem]. */
  const refused: [string, unknown, string, string][] = [
    // the value itself
    ['null', null, '', 'must be a plain object (got null)'],
    ['undefined', undefined, '', 'must be a plain object (got undefined)'],
    ['an array', [line], '', 'must be a plain object (got an array)'],
    ['a string', 'line', '', 'must be a plain object (got "line")'],
    ['a number', 7, '', 'must be a plain object (got 7)'],
    ['a function', () => line, '', 'must be a plain object (got function)'],
    ['a class instance', new (class { kind = 'line' })(), '', 'must be a plain object (got object)'],
    ['a Map', new Map(Object.entries(line)), '', 'must be a plain object (got object)'],
    ['an object with another prototype', Object.assign(Object.create({ x: 1 }) as object, line), '', 'must be a plain object (got object)'],
    // header: id
    ['no id', { ...line, id: undefined }, 'id', 'is missing'],
    ['a numeric id', { ...line, id: 7 }, 'id', `${ENTRY_ID} (got 7)`],
    ['a null id', { ...line, id: null }, 'id', `${ENTRY_ID} (got null)`],
    ['a malformed id', { ...line, id: 'nope' }, 'id', `${ENTRY_ID} (got "nope")`],
    ['an empty id', { ...line, id: '' }, 'id', `${ENTRY_ID} (got "")`],
    ['an id without device', { ...line, id: ':7' }, 'id', `${ENTRY_ID} (got ":7")`],
    ['an id without seq', { ...line, id: 'dev-a:' }, 'id', `${ENTRY_ID} (got "dev-a:")`],
    ['an id with a leading zero', { ...line, id: 'dev-a:07' }, 'id', `${ENTRY_ID} (got "dev-a:07")`],
    ['an id with a 17-digit seq', { ...line, id: 'dev-a:10000000000000000' }, 'id', `${ENTRY_ID} (got "dev-a:10000000000000000")`],
    ['an id with an unsafe seq', { ...line, id: 'dev-a:9007199254740992' }, 'id', `${ENTRY_ID} (got "dev-a:9007199254740992")`],
    ['an id with two dots', { ...line, id: 'dev..a:7' }, 'id', `${ENTRY_ID} (got "dev..a:7")`],
    ['an id with a space', { ...line, id: 'dev a:7' }, 'id', `${ENTRY_ID} (got "dev a:7")`],
    ['a device with a colon', { ...line, device: 'a:b', id: 'a:b:7' }, 'id', `${ENTRY_ID} (got "a:b:7")`],
    ['an id with a 65-character device', { ...line, id: `${long(65)}:7` }, 'id', `${ENTRY_ID} (got "${long(40)}…")`],
    ['a fractional seq', { ...line, seq: 1.5, id: 'dev-a:1.5' }, 'id', `${ENTRY_ID} (got "dev-a:1.5")`],
    ['a negative seq', { ...line, seq: -1, id: 'dev-a:-1' }, 'id', `${ENTRY_ID} (got "dev-a:-1")`],
    // header: kind
    ['no kind', { ...line, kind: undefined }, 'kind', 'is missing'],
    ['an unknown kind', { ...line, kind: 'delete' }, 'kind', `must be one of ${KINDS} (got "delete")`],
    ['a numeric kind', { ...line, kind: 1 }, 'kind', `must be one of ${KINDS} (got 1)`],
    ['a prototype-named kind', { ...line, kind: 'toString' }, 'kind', `must be one of ${KINDS} (got "toString")`],
    // header: user
    ['no user', { ...line, user: undefined }, 'user', 'is missing'],
    ['a numeric user', { ...line, user: 5 }, 'user', 'must be a string (got 5)'],
    ['an object user', { ...line, user: { name: 'ana' } }, 'user', 'must be a string (got object)'],
    ['an empty user', { ...line, user: '' }, 'user', 'must be 1-200 characters'],
    ['a 201-character user', { ...line, user: long(201) }, 'user', 'must be 1-200 characters'],
    ['a padded user', { ...line, user: ' ana' }, 'user', 'must not start or end with spaces (got " ana")'],
    ['a user ending in a newline', { ...line, user: 'ana\n' }, 'user', 'must not start or end with spaces (got "ana\\n")'],
    ['a user ending in a no-break space', { ...line, user: 'ana\u00a0' }, 'user', 'must not start or end with spaces (got "ana\u00a0")'],
    ['a user with a control character', { ...line, user: 'a\u0000na' }, 'user', 'must not contain control characters'],
    ['a user with a tab', { ...line, user: 'a\tna' }, 'user', 'must not contain control characters'],
    ['a user with a newline', { ...line, user: 'a\nna' }, 'user', 'must not contain control characters'],
    ['a user with DEL', { ...line, user: 'a\u007fna' }, 'user', 'must not contain control characters'],
    // header: device
    ['no device', { ...line, device: undefined }, 'device', 'is missing'],
    ['a numeric device', { ...line, device: 1 }, 'device', 'must be a device id (got 1)'],
    ['an empty device', { ...line, device: '' }, 'device', 'must be a device id (got "")'],
    ['a device with a space', { ...line, device: 'dev a' }, 'device', 'must be a device id (got "dev a")'],
    ['a device with two dots', { ...line, device: 'dev..a' }, 'device', 'must be a device id (got "dev..a")'],
    ['a 65-character device', { ...line, device: long(65) }, 'device', `must be a device id (got "${long(40)}…")`],
    // header: at
    ['no time', { ...line, at: undefined }, 'at', 'is missing'],
    ['a string time', { ...line, at: '2024-01-01' }, 'at', 'must be an integer from 0 to 8640000000000000 (got "2024-01-01")'],
    ['a negative time', { ...line, at: -1 }, 'at', 'must be an integer from 0 to 8640000000000000 (got -1)'],
    ['a fractional time', { ...line, at: 1.5 }, 'at', 'must be an integer from 0 to 8640000000000000 (got 1.5)'],
    ['a time past the last date', { ...line, at: 8.64e15 + 1 }, 'at', 'must be an integer from 0 to 8640000000000000 (got 8640000000000001)'],
    ['an infinite time', { ...line, at: Infinity }, 'at', 'must be an integer from 0 to 8640000000000000 (got Infinity)'],
    ['a bigint time', { ...line, at: 1n }, 'at', 'must be an integer from 0 to 8640000000000000 (got bigint)'],
    // header: seq (with an id that passes, so seq is the first bad key)
    ['no seq', { ...line, seq: undefined }, 'seq', 'is missing'],
    ['a string seq', { ...line, seq: '7' }, 'seq', 'must be an integer from 0 to 9007199254740991 (got "7")'],
    ['a boolean seq', { ...line, seq: true }, 'seq', 'must be an integer from 0 to 9007199254740991 (got true)'],
    // the id must be made of the device and the seq
    ['an id not made of device and seq', { ...line, id: 'dev-a:8' }, 'id', 'must be "dev-a:7" (got "dev-a:8")'],
    ['an id from another device', { ...line, id: 'dev-b:7' }, 'id', 'must be "dev-a:7" (got "dev-b:7")'],
    ['an id with another case', { ...line, id: 'DEV-A:7' }, 'id', 'must be "dev-a:7" (got "DEV-A:7")'],
    // unknown keys
    ['an unknown key', { ...line, status: 'closed' }, 'status', 'is not a key of a line entry'],
    ['a null unknown key', { ...line, status: null }, 'status', 'is not a key of a line entry'],
    ['a prototype-named key', { ...line, toString: 'x' }, 'toString', 'is not a key of a line entry'],
    ['an own __proto__ key', JSON.parse(`{"__proto__": 1, ${JSON.stringify(line).slice(1)}`) as unknown, '__proto__', 'is not a key of a line entry'],
    ['a key of another kind', { ...VALID.comment, item: 'X' }, 'item', 'is not a key of a comment entry'],
    ['a body key of another kind on a count', { ...VALID.count, lot: 'L1' }, 'lot', 'is not a key of a count entry'],
    // line
    ['a line without item', { ...line, item: undefined }, 'item', 'is missing'],
    ['a line with an empty item', { ...line, item: '' }, 'item', 'must be 1-200 characters'],
    ['a line with a padded item', { ...line, item: 'SKU-1 ' }, 'item', 'must not start or end with spaces (got "SKU-1 ")'],
    ['a line without qty', { ...line, qty: undefined }, 'qty', 'is missing'],
    ['a line with qty 0', { ...line, qty: 0 }, 'qty', 'must be an integer from 1 to 1000000000 (got 0)'],
    ['a line with negative qty', { ...line, qty: -5 }, 'qty', 'must be an integer from 1 to 1000000000 (got -5)'],
    ['a line with fractional qty', { ...line, qty: 2.5 }, 'qty', 'must be an integer from 1 to 1000000000 (got 2.5)'],
    ['a line with NaN qty', { ...line, qty: Number.NaN }, 'qty', 'must be an integer from 1 to 1000000000 (got NaN)'],
    ['a line with a string qty', { ...line, qty: '50' }, 'qty', 'must be an integer from 1 to 1000000000 (got "50")'],
    ['a line with a huge qty', { ...line, qty: 2e9 }, 'qty', 'must be an integer from 1 to 1000000000 (got 2000000000)'],
    ['a line with a numeric lot', { ...line, lot: 7 }, 'lot', 'must be a string (got 7)'],
    ['a line with a null lot', { ...line, lot: null }, 'lot', 'must be a string (got null)'],
    ['a line with an empty lot', { ...line, lot: '' }, 'lot', 'must be 1-200 characters'],
    ['a line with a control character in the lot', { ...line, lot: 'L\u001b7' }, 'lot', 'must not contain control characters'],
    ['a line with a numeric note', { ...line, note: 1 }, 'note', 'must be a string (got 1)'],
    ['a line with a huge note', { ...line, note: long(4001) }, 'note', 'must be 0-4000 characters'],
    ['a line with a carriage return in the note', { ...line, note: 'a\r\nb' }, 'note', 'must not contain control characters'],
    // reversal
    ['a reversal without target', { ...VALID.reversal, reverses: undefined }, 'reverses', 'is missing'],
    ['a reversal of a malformed id', { ...VALID.reversal, reverses: 'x' }, 'reverses', `${ENTRY_ID} (got "x")`],
    ['a reversal of itself', { ...VALID.reversal, reverses: 'dev-a:7' }, 'reverses', 'must name another entry'],
    ['a reversal without reason', { ...VALID.reversal, reason: undefined }, 'reason', 'is missing'],
    ['a reversal with a blank reason', { ...VALID.reversal, reason: '  ' }, 'reason', 'must be 1-200 characters'],
    ['a reversal with a long reason', { ...VALID.reversal, reason: long(201) }, 'reason', 'must be 1-200 characters'],
    ['a reversal with a control character in the reason', { ...VALID.reversal, reason: 'a\u0007' }, 'reason', 'must not contain control characters'],
    // count
    ['a count without bin', { ...VALID.count, bin: undefined }, 'bin', 'is missing'],
    ['a count with a padded bin', { ...VALID.count, bin: '\tA-01' }, 'bin', 'must not start or end with spaces (got "\\tA-01")'],
    ['a count without item', { ...VALID.count, item: undefined }, 'item', 'is missing'],
    ['a count without qty', { ...VALID.count, qty: undefined }, 'qty', 'is missing'],
    ['a count with negative qty', { ...VALID.count, qty: -1 }, 'qty', 'must be an integer from 0 to 1000000000 (got -1)'],
    ['a count with a huge qty', { ...VALID.count, qty: 1_000_000_001 }, 'qty', 'must be an integer from 0 to 1000000000 (got 1000000001)'],
    ['a count answering a malformed id', { ...VALID.count, answers: 'x' }, 'answers', `${ENTRY_ID} (got "x")`],
    ['a count answering a number', { ...VALID.count, answers: 4 }, 'answers', `${ENTRY_ID} (got 4)`],
    // recountRequest
    ['a recount request without bin', { ...VALID.recountRequest, bin: undefined }, 'bin', 'is missing'],
    ['a recount request without item', { ...VALID.recountRequest, item: undefined }, 'item', 'is missing'],
    ['a recount request without reason', { ...VALID.recountRequest, reason: undefined }, 'reason', 'is missing'],
    ['a recount request with an empty reason', { ...VALID.recountRequest, reason: '' }, 'reason', 'must be 1-200 characters'],
    // comment
    ['a comment without text', { ...VALID.comment, text: undefined }, 'text', 'is missing'],
    ['an empty comment', { ...VALID.comment, text: '' }, 'text', 'must be 1-4000 characters'],
    ['a blank comment', { ...VALID.comment, text: ' \n ' }, 'text', 'must be 1-4000 characters'],
    ['a huge comment', { ...VALID.comment, text: long(4001) }, 'text', 'must be 1-4000 characters'],
    ['a comment with a NUL', { ...VALID.comment, text: 'a\u0000' }, 'text', 'must not contain control characters'],
    ['a comment with a vertical tab', { ...VALID.comment, text: 'a\u000bb' }, 'text', 'must not contain control characters'],
    ['a comment with DEL', { ...VALID.comment, text: 'a\u007fb' }, 'text', 'must not contain control characters'],
    ['an array comment', { ...VALID.comment, text: ['hi'] }, 'text', 'must be a string (got an array)'],
    // photo
    ['a photo without id', { ...VALID.photo, photoId: undefined }, 'photoId', 'is missing'],
    ['a photo with a padded id', { ...VALID.photo, photoId: 'ph-1 ' }, 'photoId', 'must not start or end with spaces (got "ph-1 ")'],
    ['a photo with a numeric caption', { ...VALID.photo, caption: 3 }, 'caption', 'must be a string (got 3)'],
    ['a photo with a huge caption', { ...VALID.photo, caption: long(4001) }, 'caption', 'must be 0-4000 characters'],
    ['a photo with an empty thumbnail id', { ...PHOTO, thumbId: '' }, 'thumbId', 'must be 1-200 characters'],
    ['a photo of no bytes', { ...PHOTO, bytes: 0 }, 'bytes', 'must be an integer from 1 to 1000000000 (got 0)'],
    ['a photo with a fractional size', { ...PHOTO, bytes: 10.5 }, 'bytes', 'must be an integer from 1 to 1000000000 (got 10.5)'],
    ['a photo with a negative width', { ...PHOTO, width: -1 }, 'width', 'must be an integer from 1 to 100000 (got -1)'],
    ['a photo with a string height', { ...PHOTO, height: '1536' }, 'height', 'must be an integer from 1 to 100000 (got "1536")'],
    ['a photo of a line that is no entry id', { ...PHOTO, line: 'line 3' }, 'line', `${ENTRY_ID} (got "line 3")`],
    ['a photo of a padded bin', { ...PHOTO, bin: ' A-1' }, 'bin', 'must not start or end with spaces (got " A-1")'],
    ['a photo with an unknown key', { ...PHOTO, exif: 'x' }, 'exif', 'is not a key of a photo entry'],
    // fieldEdit
    ['a fieldEdit without field', { ...VALID.fieldEdit, field: undefined }, 'field', 'is missing'],
    ['a fieldEdit of an unknown field', { ...VALID.fieldEdit, field: 'status' }, 'field', 'must be a descriptive field (got "status")'],
    ['a fieldEdit of a numeric field', { ...VALID.fieldEdit, field: 0 }, 'field', 'must be a descriptive field (got 0)'],
    ['a fieldEdit without from', { ...VALID.fieldEdit, from: undefined }, 'from', 'is missing'],
    ['a fieldEdit with a numeric from', { ...VALID.fieldEdit, from: 5 }, 'from', 'must be a string (got 5)'],
    ['a fieldEdit with a huge from', { ...VALID.fieldEdit, from: long(4001) }, 'from', 'must be 0-4000 characters'],
    ['a fieldEdit without to', { ...VALID.fieldEdit, to: undefined }, 'to', 'is missing'],
    ['a fieldEdit with a numeric to', { ...VALID.fieldEdit, to: 5 }, 'to', 'must be a string (got 5)'],
    ['a fieldEdit with a null to', { ...VALID.fieldEdit, to: null }, 'to', 'must be a string (got null)'],
    ['a fieldEdit with a control character in to', { ...VALID.fieldEdit, to: 'a\u0001' }, 'to', 'must not contain control characters'],
    ['a fieldEdit without base', { ...VALID.fieldEdit, base: undefined }, 'base', 'is missing'],
    ['a fieldEdit with a bad base', { ...VALID.fieldEdit, base: 'x' }, 'base', `${ENTRY_ID} (got "x")`],
    // proposal
    ['a proposal with an empty record', { ...proposal, record: '' }, 'record', 'must be 1-200 characters'],
    ['a proposal with a numeric record', { ...proposal, record: 1 }, 'record', 'must be a string (got 1)'],
    ['a proposal without field', { ...proposal, field: undefined }, 'field', 'is missing'],
    ['a proposal of an unknown field', { ...proposal, field: 'price' }, 'field', 'must be one of status, hold, acceptedCount (got "price")'],
    ['a proposal without value', { ...proposal, value: undefined }, 'value', 'is missing'],
    ['a proposal with a null value', { ...proposal, value: null }, 'value', 'must be a string, number or boolean (got null)'],
    ['a proposal with an object value', { ...proposal, value: { x: 1 } }, 'value', 'must be a string, number or boolean (got object)'],
    ['a proposal with an infinite value', { ...proposal, value: -Infinity }, 'value', 'must be a string, number or boolean (got -Infinity)'],
    ['a proposal without base revision', { ...proposal, baseRevision: undefined }, 'baseRevision', 'is missing'],
    ['a proposal with a negative base revision', { ...proposal, baseRevision: -1 }, 'baseRevision', 'must be an integer from 0 to 9007199254740991 (got -1)'],
    ['a proposal with a padded bin', { ...proposal, bin: ' A' }, 'bin', 'must not start or end with spaces (got " A")'],
    ['a proposal with a numeric item', { ...proposal, item: 1 }, 'item', 'must be a string (got 1)'],
    ['a proposal with a numeric note', { ...proposal, note: 1 }, 'note', 'must be a string (got 1)'],
    ['a status proposal with a number', { ...proposal, value: 3 }, 'value', 'must be a string (got 3)'],
    ['a status proposal with an empty status', { ...proposal, value: '' }, 'value', 'must be 1-200 characters'],
    ['a status proposal with a padded status', { ...proposal, value: 'open ' }, 'value', 'must not start or end with spaces (got "open ")'],
    ['a hold proposal with a string', { ...proposal, field: 'hold', value: 'yes' }, 'value', 'must be a boolean for hold'],
    ['a hold proposal with a number', { ...proposal, field: 'hold', value: 1 }, 'value', 'must be a boolean for hold'],
    ['an acceptedCount proposal without bin', { ...proposal, field: 'acceptedCount', value: 3 }, 'bin', 'and item are required for acceptedCount'],
    ['an acceptedCount proposal without item', { ...proposal, field: 'acceptedCount', value: 3, bin: 'A' }, 'bin', 'and item are required for acceptedCount'],
    ['an acceptedCount proposal with a negative value', { ...proposal, field: 'acceptedCount', value: -3, bin: 'A', item: 'X' }, 'value', 'must be an integer from 0 to 1000000000 (got -3)'],
    ['an acceptedCount proposal with a string value', { ...proposal, field: 'acceptedCount', value: '3', bin: 'A', item: 'X' }, 'value', 'must be an integer from 0 to 1000000000 (got "3")'],
    ['a status proposal with a bin', { ...proposal, bin: 'A', item: 'X' }, 'bin', 'and item are only for acceptedCount'],
    ['a hold proposal with an item', { ...proposal, field: 'hold', value: true, item: 'X' }, 'bin', 'and item are only for acceptedCount'],
    // resolution
    ['a resolution with an empty record', { ...resolution, record: '' }, 'record', 'must be 1-200 characters'],
    ['a resolution without conflict', { ...resolution, conflictId: undefined }, 'conflictId', 'is missing'],
    ['a resolution with a numeric conflict', { ...resolution, conflictId: 1 }, 'conflictId', 'must be a string (got 1)'],
    ['a resolution without chosen', { ...resolution, chosen: undefined }, 'chosen', 'is missing'],
    ['a resolution choosing an empty id', { ...resolution, chosen: '' }, 'chosen', 'must be 1-200 characters'],
    ['a resolution choosing a padded id', { ...resolution, chosen: 'c1 ' }, 'chosen', 'must not start or end with spaces (got "c1 ")'],
    ['a resolution choosing a number', { ...resolution, chosen: 3 }, 'chosen', 'must be a candidate id or {value, note} (got 3)'],
    ['a resolution choosing null', { ...resolution, chosen: null }, 'chosen', 'must be a candidate id or {value, note} (got null)'],
    ['a resolution with an array chosen', { ...resolution, chosen: [1] }, 'chosen', 'must be a candidate id or {value, note} (got an array)'],
    ['a resolution with an extra key in chosen', { ...resolution, chosen: { value: 3, note: 'n', by: 'x' } }, 'chosen', 'has an unknown key "by"'],
    ['a resolution without note', { ...resolution, chosen: { value: 3 } }, 'chosen', 'note must be a string (got undefined)'],
    ['a resolution with a blank note', { ...resolution, chosen: { value: 3, note: ' ' } }, 'chosen', 'note must be 1-4000 characters'],
    ['a resolution with a control character in the note', { ...resolution, chosen: { value: 3, note: '\u0000' } }, 'chosen', 'note must not contain control characters'],
    ['a resolution with an object value', { ...resolution, chosen: { value: {}, note: 'n' } }, 'chosen', 'value must be a string, number or boolean (got object)'],
    ['a resolution with a NaN value', { ...resolution, chosen: { value: Number.NaN, note: 'n' } }, 'chosen', 'value must be a string, number or boolean (got NaN)'],
    ['a resolution without value', { ...resolution, chosen: { note: 'n' } }, 'chosen', 'value must be a string, number or boolean (got undefined)'],
    ['a resolution with a huge value', { ...resolution, chosen: { value: long(4001), note: 'n' } }, 'chosen', 'value must be 0-4000 characters'],
    ['a resolution with a control character in the value', { ...resolution, chosen: { value: '\u0002', note: 'n' } }, 'chosen', 'value must not contain control characters'],
    // the first bad key is named
    ['a bad id before a bad user', { ...line, id: 'x', user: '' }, 'id', `${ENTRY_ID} (got "x")`],
    ['a bad user before a bad body', { ...line, user: '', qty: 0 }, 'user', 'must be 1-200 characters'],
    ['a bad body key before an unknown key', { ...line, qty: 0, extra: 1 }, 'qty', 'must be an integer from 1 to 1000000000 (got 0)'],
    ['an unknown key before an id mismatch', { ...line, id: 'dev-a:8', extra: 1 }, 'extra', 'is not a key of a line entry'],
    ['an id mismatch before a reversal of itself', { ...VALID.reversal, id: 'dev-a:8', reverses: 'dev-a:8' }, 'id', 'must be "dev-a:7" (got "dev-a:8")'],
    ['an unknown key in chosen before a bad value', { ...resolution, chosen: { value: {}, by: 1 } }, 'chosen', 'has an unknown key "by"'],
    ['a bad entered value before a bad note', { ...resolution, chosen: { value: {} } }, 'chosen', 'value must be a string, number or boolean (got object)'],
  ];

  it.each(refused)('refuses %s', (_name, input, path, problem) => {
    const error = rejection(input);
    expect(error).toBeInstanceOf(InvalidEntryError);
    expect(error).toMatchObject({ name: 'InvalidEntryError', path, problem });
    expect((error as InvalidEntryError).message).toBe(`invalid entry: ${path ? `${path} ` : ''}${problem}`);
    expect(tryParseEntry(input)).toBeUndefined();
  });

  it('copies an entered value, so later changes to the input do not reach the entry', () => {
    const chosen = { value: 3, note: 'n' };
    const entry = parseEntry({ ...VALID.resolution, chosen });
    chosen.value = 4;
    expect(entry).toMatchObject({ chosen: { value: 3, note: 'n' } });
    expect(Object.isFrozen((entry as { chosen: object }).chosen)).toBe(true);
  });
});

describe('tryParseEntry', () => {
  it('returns the entry or undefined', () => {
    expect(tryParseEntry(VALID.comment)).toEqual(VALID.comment);
    expect(tryParseEntry({ kind: 'comment' })).toBeUndefined();
  });

  it('lets errors other than invalid entries through', () => {
    const input = { ...VALID.comment };
    Object.defineProperty(input, 'text', { enumerable: true, get: () => { throw new RangeError('boom'); } });
    expect(() => tryParseEntry(input)).toThrow(RangeError);
  });
});
