import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { mergeNames, parseNameCache, UserNames } from '../../client/app/lib/UserNames';
import { setUserName } from '../../shared/model';
import { memoryKeyValueStore } from '../support/memoryKeyValueStore';

const self = { id: 'u-me', name: 'Mia' };
const KEY = 'tally.names.s1';

describe('mergeNames', () => {
  const cached = new Map([['u-a', 'Ana'], ['u-b', 'Ben']]);
  it.each([
    ['the site adds a user', [['u-c', 'Cy']], { 'u-a': 'Ana', 'u-b': 'Ben', 'u-c': 'Cy' }],
    ['the site renames a user', [['u-a', 'Anna']], { 'u-a': 'Anna', 'u-b': 'Ben' }],
    ['a user the site does not list (yet) keeps the cached name', [], { 'u-a': 'Ana', 'u-b': 'Ben' }],
  ] as const)('%s', (_name, site, expected) => {
    expect(Object.fromEntries(mergeNames(cached, new Map(site)))).toEqual(expected);
  });

  it('returns the cached map itself when nothing changes', () => {
    expect(mergeNames(cached, new Map([['u-a', 'Ana']]))).toBe(cached);
  });
});

describe('parseNameCache', () => {
  it.each([
    ['nothing stored', null, {}],
    ['a stored cache', '{"u-a":"Ana"}', { 'u-a': 'Ana' }],
    ['broken JSON', '{"u-a":', {}],
    ['an array', '["u-a"]', {}],
    ['a non-string name is skipped', '{"u-a":"Ana","u-b":3,"u-c":""}', { 'u-a': 'Ana' }],
  ] as const)('%s', (_name, text, expected) => {
    expect(Object.fromEntries(parseNameCache(text))).toEqual(expected);
  });
});

describe('UserNames', () => {
  it('names users from the cache before the site document has any names', () => {
    const names = new UserNames({ doc: new Y.Doc(), store: memoryKeyValueStore({ [KEY]: '{"u-a":"Ana"}' }), key: KEY, self });
    expect(names.nameOf('u-a')).toBe('Ana');
    expect(names.nameOf('u-unknown')).toBe('u-unknown');
    expect(names.nameOf('u-me')).toBe('Mia (you)');
    names.destroy();
  });

  it('takes names that arrive later, tells its subscribers, and keeps them in the cache', () => {
    const doc = new Y.Doc();
    const store = memoryKeyValueStore();
    const names = new UserNames({ doc, store, key: KEY, self });
    const before = names.get();
    let calls = 0;
    names.subscribe(() => calls++);
    expect(before.nameOf('u-a')).toBe('u-a');

    setUserName(doc, 'u-a', 'Ana');
    expect(calls).toBe(1);
    expect(names.get()).not.toBe(before);
    expect(names.nameOf('u-a')).toBe('Ana');
    expect(JSON.parse(store.data.get(KEY) ?? '{}')).toEqual({ 'u-a': 'Ana' });

    // A fresh start on the same device names the user before the document loads.
    const again = new UserNames({ doc: new Y.Doc(), store, key: KEY, self });
    expect(again.nameOf('u-a')).toBe('Ana');
    names.destroy();
    again.destroy();
  });

  it('stays quiet for changes that are not names, and after destroy', () => {
    const doc = new Y.Doc();
    const names = new UserNames({ doc, store: memoryKeyValueStore(), key: KEY, self });
    let calls = 0;
    names.subscribe(() => calls++);
    setUserName(doc, 'u-a', 'Ana');
    setUserName(doc, 'u-a', 'Ana');
    expect(calls).toBe(1);
    names.destroy();
    setUserName(doc, 'u-b', 'Ben');
    expect(calls).toBe(1);
    expect(names.nameOf('u-b')).toBe('u-b');
  });
});
