/**
 * Site-wide settings, kept in the site document's `settings` map (setting
 * name -> plain value) and set by a supervisor or admin in Site setup. Each
 * setting has a default, used while the site has not set it or holds a value
 * this version cannot read, and bounds the relay checks a change against.
 *
 * - `photoMaxSide`: the longest side of a photo kept on a device, in pixels
 *   (640..4,096, default 2,048). Photos taken before a change keep their size.
 */
import type * as Y from 'yjs';
import { SiteRoot } from './siteDocs';

/** The site's settings, every one with a value. */
export interface SiteSettings {
  readonly photoMaxSide: number;
}

/** The name of a site setting. */
export type SiteSettingName = keyof SiteSettings;

/** What a site that set nothing gets. */
export const DEFAULT_SITE_SETTINGS: SiteSettings = { photoMaxSide: 2048 };

/** Bounds of `photoMaxSide`: below 640 px a damage photo shows too little, above 4,096 px it outgrows the 600 KB budget. */
export const PHOTO_MAX_SIDE = { min: 640, max: 4096 } as const;

const SETTING_NAMES: readonly string[] = Object.keys(DEFAULT_SITE_SETTINGS);

/** True when `name` is a site setting this version knows. */
export function isSiteSettingName(name: unknown): name is SiteSettingName {
  return typeof name === 'string' && SETTING_NAMES.includes(name);
}

/** Why `value` cannot be site setting `name`, in words a supervisor can act on; null when it can. */
export function siteSettingRefusal(name: string, value: unknown): string | null {
  if (!isSiteSettingName(name)) return `"${name.slice(0, 60)}" is not a site setting`;
  switch (name) {
    case 'photoMaxSide':
      if (typeof value !== 'number' || !Number.isInteger(value)) return "a photo's longest side is a whole number of pixels";
      if (value < PHOTO_MAX_SIDE.min || value > PHOTO_MAX_SIDE.max) return `a photo's longest side must be ${PHOTO_MAX_SIDE.min} to ${PHOTO_MAX_SIDE.max} px, not ${value}`;
      return null;
  }
}

/** The site's settings: each one as set when it is valid, else its default. */
export function readSiteSettings(doc: Y.Doc): SiteSettings {
  const map = doc.getMap<unknown>(SiteRoot.settings);
  const photoMaxSide = map.get('photoMaxSide');
  return { photoMaxSide: siteSettingRefusal('photoMaxSide', photoMaxSide) === null ? (photoMaxSide as number) : DEFAULT_SITE_SETTINGS.photoMaxSide };
}

/** Sets site setting `name`; throws with the reason when `value` is not one it can take. */
export function setSiteSetting<K extends SiteSettingName>(doc: Y.Doc, name: K, value: SiteSettings[K]): void {
  const refusal = siteSettingRefusal(name, value);
  if (refusal) throw new Error(refusal);
  doc.transact(() => doc.getMap<unknown>(SiteRoot.settings).set(name, value));
}
