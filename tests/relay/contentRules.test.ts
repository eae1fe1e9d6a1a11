/**
 * The family rules as pure functions: what a sender may put where in a record
 * or the site document, given where a change's content lands.
 */
import { describe, expect, it } from 'vitest';
import {
  docFamilyOf,
  recordRefusal,
  siteRefusal,
  unknownDocRefusal,
  type ChangeContent,
  type InsertedContent,
  type RecordState,
  type Sender,
} from '../../relay/policy/contentRules';

const crew: Sender = { user: 'u-ann', device: 'dev-A', role: 'crew' };
const supervisor: Sender = { user: 'u-sue', device: 'dev-S', role: 'supervisor' };
const open: Sender = { user: 'anonymous', device: null, role: 'admin', open: true };

const line = (over: Record<string, unknown> = {}) => ({ id: 'dev-A:5', kind: 'line', user: 'u-ann', device: 'dev-A', at: 1, seq: 5, item: 'SKU-1', qty: 2, ...over });
const fieldEdit = (field: string, to: string, seq = 6) => ({ id: `dev-A:${seq}`, kind: 'fieldEdit', user: 'u-ann', device: 'dev-A', at: 1, seq, field, from: null, to, base: null });
const entries = (...values: unknown[]): InsertedContent => ({ root: 'entries', key: null, topLevel: true, values });
const field = (key: string, value: unknown): InsertedContent => ({ root: 'fields', key, topLevel: true, values: [value] });
const metaOf = (over: Record<string, unknown> = {}): InsertedContent[] =>
  Object.entries({ kind: 'receipt', id: 'R-1', site: 'main', createdAt: 5, createdBy: 'u-ann', createdDevice: 'dev-A', ...over }).map(([key, value]) => ({
    root: 'meta',
    key,
    topLevel: true,
    values: [value],
  }));
const change = (inserted: InsertedContent[], removed: ChangeContent['removed'] = []): ChangeContent => ({ inserted, removed });

const created: RecordState = { recordId: 'R-1', site: 'main', kind: 'receipt', metaEmpty: false, entryIds: new Set(['dev-A:1', 'dev-B:1']) };
const fresh: RecordState = { ...created, kind: null, metaEmpty: true, entryIds: new Set() };

describe('recordRefusal', () => {
  it.each<[string, Sender, ChangeContent, RecordState, RegExp | null]>([
    ['a line of its own', crew, change([entries(line())]), created, null],
    ['a line signed by another user', crew, change([entries(line({ user: 'u-bob' }))]), created, /signed by u-bob but was sent by u-ann/],
    ['a line naming another device', crew, change([entries(line({ device: 'dev-B', id: 'dev-B:5' }))]), created, /names device dev-B but was sent from device dev-A/],
    ['an id the record holds', crew, change([entries(line({ id: 'dev-A:1', seq: 1 }))]), created, /already holds an entry dev-A:1/],
    ['the same id twice in one change', crew, change([entries(line(), line())]), created, /already holds an entry dev-A:5/],
    ['an id that is not device:seq', crew, change([entries(line({ id: 'dev-A:9' }))]), created, /malformed entry/],
    ['an entry nested in a type', crew, change([{ ...entries(line()), topLevel: false }]), created, /plain values/],
    ['a deleted entry', crew, change([], [{ root: 'entries', key: null, topLevel: true }]), created, /append-only/],
    ['the review map', supervisor, change([{ root: 'review', key: 'status', topLevel: true, values: ['closed'] }]), created, /relay alone/],
    ['the writers map', crew, change([{ root: 'writers', key: '1', topLevel: true, values: [{}] }]), created, /relay alone/],
    ['a top-level type of its own', crew, change([{ root: 'extra', key: 'x', topLevel: true, values: [1] }]), created, /not part of a record/],
    ['a field with its audit entry', crew, change([field('dock', 'D2'), entries(fieldEdit('dock', 'D2'))]), created, null],
    ['a field overwritten with its audit entry', crew, change([field('dock', 'D2'), entries(fieldEdit('dock', 'D2'))], [{ root: 'fields', key: 'dock', topLevel: true }]), created, null],
    ['a field without its audit entry', crew, change([field('dock', 'D2')]), created, /without its fieldEdit audit entry/],
    ['a field whose audit entry says another value', crew, change([field('dock', 'D2'), entries(fieldEdit('dock', 'D3'))]), created, /without its fieldEdit/],
    ['a field of another kind of record', crew, change([field('zone', 'A'), entries(fieldEdit('zone', 'A'))]), created, /receipt record has no field "zone"/],
    ['a field that is not text', crew, change([{ ...field('dock', null), values: null }]), created, /plain text values/],
    ['a field removed', crew, change([], [{ root: 'fields', key: 'dock', topLevel: true }]), created, /never removed/],
    ['a new record', crew, change([...metaOf(), field('dock', 'D1'), entries(fieldEdit('dock', 'D1', 1))]), fresh, null],
    ['meta of a created record', crew, change(metaOf()), created, /written once/],
    ['meta with a key missing', crew, change(metaOf().slice(1)), fresh, /lacks kind/],
    ['meta naming another creator', crew, change(metaOf({ createdBy: 'u-bob' })), fresh, /created by the user who sends it/],
    ['meta naming another device', crew, change(metaOf({ createdDevice: 'dev-B' })), fresh, /created on the device that sends it/],
    ['meta naming another record', crew, change(metaOf({ id: 'R-2' })), fresh, /is not this record/],
    ['meta naming another site', crew, change(metaOf({ site: 'north' })), fresh, /not this relay's site/],
    ['meta with an unknown key', crew, change([...metaOf(), { root: 'meta', key: 'owner', topLevel: true, values: ['x'] }]), fresh, /"owner" is not part of a record/],
    ['a deleted meta value', crew, change([], [{ root: 'meta', key: 'id', topLevel: true }]), created, /written once/],
    ['on an open relay, a line of anyone', open, change([entries(line({ user: 'u-bob' }))]), created, null],
    ['on an open relay, still no deletion', open, change([], [{ root: 'entries', key: null, topLevel: true }]), created, /append-only/],
  ])('%s', (_what, sender, c, record, refusal) => {
    const reason = recordRefusal(sender, c, record);
    if (refusal === null) expect(reason).toBeNull();
    else expect(reason).toMatch(refusal);
  });

  it('hands back the entries a change appends', () => {
    const out: unknown[] = [];
    expect(recordRefusal(crew, change([entries(line())]), created, out as never)).toBeNull();
    expect(out).toEqual([line()]);
  });
});

describe('siteRefusal', () => {
  const setting = (key: string, value: unknown) => ({ root: 'settings', key, topLevel: true, values: [value] });
  const item = { root: 'items', key: '4006381333931', topLevel: true, values: [{ sku: 'SKU-1', description: 'Widget', uom: 'EA' }] };
  it.each<[string, Sender, ChangeContent, RegExp | null]>([
    ['a supervisor keeps the item master', supervisor, change([item]), null],
    ['a supervisor adds a bin', supervisor, change([{ root: 'locations', key: 'A-01', topLevel: true, values: [{ zone: 'A' }] }]), null],
    ['a supervisor removes an item', supervisor, change([], [{ root: 'items', key: '4006381333931', topLevel: true }]), null],
    ['crew may not', crew, change([item]), /crew may not change the item master/],
    ['a malformed item', supervisor, change([{ ...item, values: [{ sku: '' }] }]), /malformed item/],
    ['a malformed bin', supervisor, change([{ root: 'locations', key: 'A-01', topLevel: true, values: [{ zone: 7 }] }]), /malformed bin/],
    ['the record index', supervisor, change([{ root: 'records', key: 'R-1', topLevel: true, values: [{}] }]), /record index is written by the relay alone/],
    ['display names', supervisor, change([{ root: 'users', key: 'u-ann', topLevel: true, values: [{ displayName: 'x' }] }]), /relay alone/],
    ['a root of its own', supervisor, change([{ root: 'junk', key: 'x', topLevel: true, values: [1] }]), /not part of a site document/],
    ['a supervisor sets the photo size', supervisor, change([setting('photoMaxSide', 1024)]), null],
    ['a supervisor clears a setting (back to its default)', supervisor, change([], [{ root: 'settings', key: 'photoMaxSide', topLevel: true }]), null],
    ['crew may not set one', crew, change([setting('photoMaxSide', 1024)]), /crew may not change .* the site settings/],
    ['a photo size out of bounds', supervisor, change([setting('photoMaxSide', 10_000)]), /640 to 4096 px, not 10000/],
    ['a photo size that is not a number', supervisor, change([setting('photoMaxSide', '2048')]), /whole number of pixels/],
    ['a setting this version does not know', supervisor, change([setting('theme', 'dark')]), /"theme" is not a site setting/],
    ['a setting held in a nested type', supervisor, change([{ root: 'settings', key: 'photoMaxSide', topLevel: true, values: null }]), /plain values/],
  ])('%s', (_what, sender, c, refusal) => {
    const reason = siteRefusal(sender, c);
    if (refusal === null) expect(reason).toBeNull();
    else expect(reason).toMatch(refusal);
  });
});

describe('document families', () => {
  it.each<[string, string | null]>([
    ['record:R-1', null],
    ['site:main', null],
    ['site:north', "this relay serves site main, not north"],
    ['junk:x', 'unknown document family'],
    ['record:', 'unknown document family'],
    ['doc-1', 'unknown document family'],
  ])('%s', (name, refusal) => {
    const reason = unknownDocRefusal(name, 'main');
    if (refusal === null) expect(reason).toBeNull();
    else expect(reason).toContain(refusal);
    expect(docFamilyOf(name) === null).toBe(refusal?.startsWith('unknown') ?? false);
  });
});
