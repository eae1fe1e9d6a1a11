/** Site settings (shared/model/siteSettings.ts): the bounds of each, and how a site document holds them. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEFAULT_SITE_SETTINGS, readSiteSettings, setSiteSetting, siteSettingRefusal } from '../../shared/model';

describe('siteSettingRefusal', () => {
  it.each<[string, unknown, RegExp | null]>([
    ['photoMaxSide', 2048, null],
    ['photoMaxSide', 640, null],
    ['photoMaxSide', 4096, null],
    ['photoMaxSide', 639, /must be 640 to 4096 px, not 639/],
    ['photoMaxSide', 4097, /must be 640 to 4096 px, not 4097/],
    ['photoMaxSide', 0, /must be 640 to 4096 px/],
    ['photoMaxSide', -2048, /must be 640 to 4096 px/],
    ['photoMaxSide', 1024.5, /whole number of pixels/],
    ['photoMaxSide', Number.NaN, /whole number of pixels/],
    ['photoMaxSide', Number.POSITIVE_INFINITY, /whole number of pixels/],
    ['photoMaxSide', '2048', /whole number of pixels/],
    ['photoMaxSide', null, /whole number of pixels/],
    ['photoMaxSide', { px: 2048 }, /whole number of pixels/],
    ['maxSide', 2048, /"maxSide" is not a site setting/],
    ['__proto__', 2048, /not a site setting/],
    ['toString', 2048, /not a site setting/],
  ])('%s = %j', (name, value, refusal) => {
    const reason = siteSettingRefusal(name, value);
    if (refusal === null) expect(reason).toBeNull();
    else expect(reason).toMatch(refusal);
  });
});

describe('readSiteSettings and setSiteSetting', () => {
  it('gives the defaults for a site that set nothing: 2,048 px', () => {
    expect(readSiteSettings(new Y.Doc())).toEqual({ photoMaxSide: 2048 });
    expect(DEFAULT_SITE_SETTINGS.photoMaxSide).toBe(2048);
  });

  it('reads back what was set', () => {
    const doc = new Y.Doc();
    setSiteSetting(doc, 'photoMaxSide', 1280);
    expect(readSiteSettings(doc)).toEqual({ photoMaxSide: 1280 });
  });

  it('refuses a value out of bounds, keeping the one before', () => {
    const doc = new Y.Doc();
    setSiteSetting(doc, 'photoMaxSide', 1280);
    expect(() => setSiteSetting(doc, 'photoMaxSide', 99)).toThrow(/640 to 4096/);
    expect(readSiteSettings(doc).photoMaxSide).toBe(1280);
  });

  it.each([[99], ['1024'], [1e9], [null]])('reads a stored value it cannot take (%j, from another version or a bad peer) as the default', (value) => {
    const doc = new Y.Doc();
    doc.getMap('settings').set('photoMaxSide', value);
    expect(readSiteSettings(doc).photoMaxSide).toBe(2048);
  });
});
