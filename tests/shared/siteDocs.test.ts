import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  createAuthor,
  createCountSheet,
  createReceipt,
  indexRecord,
  isKnownBin,
  lookupBarcode,
  lookupRecord,
  observeSite,
  putItem,
  putLocation,
  readItems,
  readLocations,
  readRecordIndex,
  readUserNames,
  recordDocName,
  recordIdOfDocName,
  setUserName,
  siteDocName,
  siteIdOfDocName,
  toRecordId,
  toSiteId,
  userName,
  type SiteRoot,
} from '../../shared/model';
import { isDocName } from '../../shared/protocol/docNames';

describe('document names', () => {
  it.each([
    ['R1', 'record:R1'],
    ['3f0c9a52-6f1e-4c1b-9d4e-2b7a1c0e9f11', 'record:3f0c9a52-6f1e-4c1b-9d4e-2b7a1c0e9f11'],
    ['rcv_2024.11.27', 'record:rcv_2024.11.27'],
  ])('record %s is %s, a valid doc name that maps back', (id, name) => {
    expect(recordDocName(toRecordId(id))).toBe(name);
    expect(isDocName(name)).toBe(true);
    expect(recordIdOfDocName(name)).toBe(id);
  });

  it.each([['north'], ['site-7'], ['DC_1.b']])('site %s is site:%s', (site) => {
    const name = siteDocName(toSiteId(site));
    expect(name).toBe(`site:${site}`);
    expect(isDocName(name)).toBe(true);
    expect(siteIdOfDocName(name)).toBe(site);
  });

  it.each([['a/b'], ['a:b'], [''], ['x'.repeat(121)], ['a..b'], ['with space']])('refuses record id %j', (id) => {
    expect(() => toRecordId(id)).toThrow(/invalid record id/);
  });

  it.each([['site:north'], ['record:'], ['record:a/b'], ['other:x'], ['']])('%j is not a record doc name', (name) => {
    expect(recordIdOfDocName(name)).toBeUndefined();
  });

  it.each([['record:R1'], ['site:'], ['site:a/b']])('%j is not a site doc name', (name) => {
    expect(siteIdOfDocName(name)).toBeUndefined();
  });
});

describe('record index', () => {
  it('lists indexed records newest first, ties by id', () => {
    const site = new Y.Doc();
    const author = createAuthor({ user: 'ana', device: 'dev-a', now: () => 500 });
    const r1 = createReceipt(new Y.Doc(), author, { id: 'R1', site: 'north', supplier: 'ACME' });
    const r0 = createReceipt(new Y.Doc(), author, { id: 'R0', site: 'north' });
    const c1 = createCountSheet(new Y.Doc(), createAuthor({ user: 'ben', device: 'dev-b', now: () => 900 }), { id: 'C1', site: 'north' });
    indexRecord(site, r1, 'ACME, PO 4711');
    indexRecord(site, c1, 'Cold room');
    indexRecord(site, r0, 'Unknown supplier');
    expect(readRecordIndex(site).map((row) => [row.id, row.kind, row.title])).toEqual([
      ['C1', 'count', 'Cold room'],
      ['R0', 'receipt', 'Unknown supplier'],
      ['R1', 'receipt', 'ACME, PO 4711'],
    ]);
    expect(lookupRecord(site, 'R1')).toEqual({ id: 'R1', kind: 'receipt', title: 'ACME, PO 4711', site: 'north', createdAt: 500, createdBy: 'ana' });
    expect(lookupRecord(site, 'nope')).toBeUndefined();
    expect(lookupRecord(site, 'bad/id')).toBeUndefined();
  });

  it('skips malformed rows', () => {
    const site = new Y.Doc();
    site.getMap('records').set('R9', { kind: 'invoice', title: 'x' });
    site.getMap('records').set('bad/id', { kind: 'receipt', title: 'x', site: 'north', createdAt: 1, createdBy: 'a' });
    expect(readRecordIndex(site)).toEqual([]);
  });
});

describe('item master', () => {
  it('looks up a scanned barcode, ignoring the scanner\'s surrounding whitespace', () => {
    const site = new Y.Doc();
    putItem(site, '4006381333931', { sku: 'SKU-1', description: 'Pen, blue', uom: 'EA' });
    expect(lookupBarcode(site, '4006381333931\n')).toEqual({ sku: 'SKU-1', description: 'Pen, blue', uom: 'EA' });
    expect(lookupBarcode(site, '0000')).toBeUndefined();
  });

  it('lists items sorted by barcode and skips malformed ones', () => {
    const site = new Y.Doc();
    putItem(site, '2', { sku: 'B', description: '', uom: 'BOX' });
    putItem(site, '1', { sku: 'A', description: 'a', uom: 'EA' });
    site.getMap('items').set('3', { sku: '' });
    expect([...readItems(site)]).toEqual([
      ['1', { sku: 'A', description: 'a', uom: 'EA' }],
      ['2', { sku: 'B', description: '', uom: 'BOX' }],
    ]);
  });

  it.each([
    ['an empty barcode', '', { sku: 'A', description: '', uom: 'EA' }],
    ['a padded barcode', ' 1', { sku: 'A', description: '', uom: 'EA' }],
    ['an empty sku', '1', { sku: '', description: '', uom: 'EA' }],
    ['no unit', '1', { sku: 'A', description: '', uom: '' }],
  ])('refuses %s', (_name, barcode, item) => {
    expect(() => putItem(new Y.Doc(), barcode, item)).toThrow(/invalid/);
  });
});

describe('locations and users', () => {
  it('adding the same bin on two devices is one bin', () => {
    const x = new Y.Doc();
    const y = new Y.Doc();
    putLocation(x, { bin: 'A-01', zone: 'cold' });
    putLocation(y, { bin: 'A-01', zone: 'cold' });
    putLocation(y, { bin: 'A-00' });
    Y.applyUpdate(x, Y.encodeStateAsUpdate(y));
    Y.applyUpdate(y, Y.encodeStateAsUpdate(x));
    expect(readLocations(x)).toEqual([{ bin: 'A-00' }, { bin: 'A-01', zone: 'cold' }]);
    expect(readLocations(y)).toEqual(readLocations(x));
    expect(isKnownBin(x, ' A-01 ')).toBe(true);
    expect(isKnownBin(x, 'B-01')).toBe(false);
  });

  it('shows a display name, or the user id when none is set', () => {
    const site = new Y.Doc();
    setUserName(site, 'u17', 'Ana Lima');
    expect(userName(site, 'u17')).toBe('Ana Lima');
    expect(userName(site, 'u18')).toBe('u18');
  });

  it('reads every well-formed display name, skipping malformed entries', () => {
    const site = new Y.Doc();
    setUserName(site, 'u1', 'Ana Lima');
    setUserName(site, 'u2', 'Ben Okafor');
    site.getMap('users').set('u3', { displayName: '' });
    site.getMap('users').set('u4', 'not an object');
    expect(readUserNames(site)).toEqual(new Map([['u1', 'Ana Lima'], ['u2', 'Ben Okafor']]));
  });
});

describe('observeSite', () => {
  it('reports which maps changed, once per transaction, until unsubscribed', () => {
    const site = new Y.Doc();
    const seen: SiteRoot[][] = [];
    const stop = observeSite(site, (changed) => seen.push([...changed].sort()));
    putItem(site, '1', { sku: 'A', description: '', uom: 'EA' });
    site.transact(() => {
      putLocation(site, { bin: 'A-01' });
      setUserName(site, 'u1', 'U');
    });
    stop();
    putLocation(site, { bin: 'A-02' });
    expect(seen).toEqual([['items'], ['locations', 'users']]);
  });
});
