import { describe, expect, it } from 'vitest';
import {
  indexRowNeedsWrite,
  recordIndexRow,
  recordTitle,
  toDeviceId,
  toRecordId,
  toSiteId,
  userNamesToWrite,
  type NamedUser,
  type RecordIndexEntry,
  type RecordKind,
  type RecordMeta,
} from '../../shared/model';

describe('recordTitle', () => {
  it.each<[RecordKind, Record<string, string>, string]>([
    ['receipt', { supplier: 'ACME', po: '4711', dock: '3' }, 'ACME, PO 4711, dock 3'],
    ['receipt', { supplier: 'ACME' }, 'ACME'],
    ['receipt', { po: '4711', dock: '3' }, 'PO 4711, dock 3'],
    ['receipt', { po: 'PO-4711' }, 'PO-4711'],
    ['receipt', { po: 'po 4711' }, 'po 4711'],
    ['receipt', { po: 'P.O. 4711' }, 'P.O. 4711'],
    ['receipt', { po: 'POS-9' }, 'PO POS-9'],
    ['receipt', { notes: 'wet pallets' }, 'Goods receipt'],
    ['receipt', {}, 'Goods receipt'],
    ['receipt', { supplier: '' }, 'Goods receipt'],
    ['count', { zone: 'A' }, 'zone A'],
    ['count', { zone: 'A', notes: 'cold room' }, 'zone A'],
    ['count', {}, 'Count sheet'],
    ['receipt', { supplier: 'x'.repeat(250) }, 'x'.repeat(200)],
  ])('a %s with %j is titled %j', (kind, fields, title) => {
    expect(recordTitle(kind, fields)).toBe(title);
  });
});

const meta: RecordMeta = {
  kind: 'receipt',
  id: toRecordId('R-1'),
  site: toSiteId('main'),
  createdAt: 1_700_000_000_000,
  createdBy: 'u1',
  createdDevice: toDeviceId('tablet-1'),
};

describe('recordIndexRow', () => {
  it("takes id, kind, site and creation from the meta and the title from the fields", () => {
    expect(recordIndexRow(meta, { supplier: 'ACME', dock: '3' })).toEqual({
      id: 'R-1',
      kind: 'receipt',
      title: 'ACME, dock 3',
      site: 'main',
      createdAt: 1_700_000_000_000,
      createdBy: 'u1',
    });
  });
});

describe('indexRowNeedsWrite', () => {
  const wanted = recordIndexRow(meta, { supplier: 'ACME' });
  it.each<[string, RecordIndexEntry | undefined, boolean]>([
    ['no row yet', undefined, true],
    ['the same row', { ...wanted }, false],
    ['an old title', { ...wanted, title: 'Goods receipt' }, true],
    ['another kind', { ...wanted, kind: 'count' }, true],
    ['another site', { ...wanted, site: toSiteId('north') }, true],
    ['another creation time', { ...wanted, createdAt: 1 }, true],
    ['another creator', { ...wanted, createdBy: 'u2' }, true],
    ['another id', { ...wanted, id: toRecordId('R-2') }, true],
  ])('%s: %s', (_what, held, needed) => {
    expect(indexRowNeedsWrite(held, wanted)).toBe(needed);
  });
});

describe('userNamesToWrite', () => {
  const ann: NamedUser = { id: 'u1', name: 'Ann Lee' };
  const bob: NamedUser = { id: 'u2', name: 'Bob Ray' };
  it.each<[string, NamedUser[], [string, string][], { user: string; displayName: string }[]]>([
    ['an empty site gets everyone', [ann, bob], [], [{ user: 'u1', displayName: 'Ann Lee' }, { user: 'u2', displayName: 'Bob Ray' }]],
    ['names already right are left alone', [ann, bob], [['u1', 'Ann Lee'], ['u2', 'Bob Ray']], []],
    ['a renamed user is corrected', [ann], [['u1', 'Ann']], [{ user: 'u1', displayName: 'Ann Lee' }]],
    ['a name the store no longer has is kept (not removed)', [ann], [['u1', 'Ann Lee'], ['u0', 'Gone Person']], []],
    ['a name the site cannot hold is skipped', [{ id: 'u3', name: ' padded ' }, { id: 'u4', name: '' }], [], []],
    ['no users, nothing to write', [], [['u1', 'Ann Lee']], []],
  ])('%s', (_what, users, held, writes) => {
    expect(userNamesToWrite(users, new Map(held))).toEqual(writes);
  });
});
