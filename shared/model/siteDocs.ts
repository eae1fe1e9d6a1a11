/**
 * The site document: site-wide data shared by every record of a site, in one
 * Y.Doc named `site:<site>`:
 *
 * - `records`   Y.Map: record id -> {kind, title, site, createdAt, createdBy} (the record list;
 *                written by the relay, derived from each record's meta and fields)
 * - `items`     Y.Map: barcode -> {sku, description, uom} (the item master)
 * - `locations` Y.Map: bin code -> {zone?} (maps, not arrays: adding a bin twice is one bin)
 * - `users`     Y.Map: user id -> {displayName} (written by the relay from its user store)
 * - `settings`  Y.Map: setting name -> plain value (site-wide settings, siteSettings.ts)
 *
 * Values are whole plain objects, replaced last-writer-wins. Readers skip
 * malformed values instead of throwing.
 */
import type * as Y from 'yjs';
import { toDocName, type DocName } from '../protocol/docNames';
import { isRecordId, isSiteId, type RecordId, type SiteId } from './ids';
import { RecordKind } from './recordLayout';
import type { RecordMeta } from './readRecord';
import { compareStrings } from './entryOrder';

/** Names of the top-level maps of a site document. */
export const SiteRoot = {
  records: 'records',
  items: 'items',
  locations: 'locations',
  users: 'users',
  settings: 'settings',
} as const;

/** A top-level map name of a site document. */
export type SiteRoot = (typeof SiteRoot)[keyof typeof SiteRoot];

/** The document name of a site: `site:<site>`. */
export function siteDocName(site: SiteId): DocName {
  return toDocName(`site:${site}`);
}

/** The site id of a site document name, or undefined when `name` is not one. */
export function siteIdOfDocName(name: string): SiteId | undefined {
  const site = name.startsWith('site:') ? name.slice('site:'.length) : undefined;
  return isSiteId(site) ? site : undefined;
}

/** One row of the site's record list. */
export interface RecordIndexEntry {
  readonly id: RecordId;
  readonly kind: RecordKind;
  /** What the list shows, e.g. "ACME, PO 4711, dock 3". */
  readonly title: string;
  readonly site: SiteId;
  readonly createdAt: number;
  readonly createdBy: string;
}

/** An item of the item master. */
export interface ItemInfo {
  readonly sku: string;
  readonly description: string;
  /** Unit of measure, e.g. "EA", "BOX". */
  readonly uom: string;
}

/** A storage location. */
export interface Location {
  readonly bin: string;
  readonly zone?: string;
}

const MAX = 200;

function isCode(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX && value.trim() === value;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function siteMap(doc: Y.Doc, root: SiteRoot): Y.Map<unknown> {
  return doc.getMap(root);
}

function ensure(ok: boolean, what: string): void {
  if (!ok) throw new Error(`invalid ${what}`);
}

/** Adds or replaces a record's row in the site's record list. */
export function indexRecord(doc: Y.Doc, meta: RecordMeta, title: string): RecordIndexEntry {
  ensure(isText(title), 'record title');
  const row: RecordIndexEntry = {
    id: meta.id,
    kind: meta.kind,
    title,
    site: meta.site,
    createdAt: meta.createdAt,
    createdBy: meta.createdBy,
  };
  doc.transact(() => siteMap(doc, SiteRoot.records).set(meta.id, { ...row }));
  return row;
}

function parseIndexRow(id: string, value: unknown): RecordIndexEntry | undefined {
  const v = asObject(value);
  if (!v || !isRecordId(id) || !isSiteId(v.site) || !isText(v.title) || typeof v.createdBy !== 'string') return undefined;
  if ((v.kind !== RecordKind.receipt && v.kind !== RecordKind.count) || !Number.isSafeInteger(v.createdAt)) return undefined;
  return { id, kind: v.kind, title: v.title, site: v.site, createdAt: v.createdAt as number, createdBy: v.createdBy };
}

/** The site's record list, newest first (ties by id). */
export function readRecordIndex(doc: Y.Doc): RecordIndexEntry[] {
  const rows: RecordIndexEntry[] = [];
  siteMap(doc, SiteRoot.records).forEach((value, id) => {
    const row = parseIndexRow(id, value);
    if (row) rows.push(row);
  });
  return rows.sort((a, b) => b.createdAt - a.createdAt || compareStrings(a.id, b.id));
}

/** One record's row, if the site lists it. */
export function lookupRecord(doc: Y.Doc, id: string): RecordIndexEntry | undefined {
  return isRecordId(id) ? parseIndexRow(id, siteMap(doc, SiteRoot.records).get(id)) : undefined;
}

/** Adds or replaces an item of the item master under its barcode. */
export function putItem(doc: Y.Doc, barcode: string, item: ItemInfo): void {
  ensure(isCode(barcode), 'barcode');
  ensure(isCode(item.sku) && isText(item.description) && isCode(item.uom), 'item');
  const value = { sku: item.sku, description: item.description, uom: item.uom };
  doc.transact(() => siteMap(doc, SiteRoot.items).set(barcode, value));
}

/** The item a stored item-master value describes, or undefined when it is malformed. */
export function parseItem(value: unknown): ItemInfo | undefined {
  const v = asObject(value);
  if (!v || !isCode(v.sku) || !isText(v.description) || !isCode(v.uom)) return undefined;
  return { sku: v.sku, description: v.description, uom: v.uom };
}

/** The item a scanned barcode stands for (surrounding whitespace ignored), if known. */
export function lookupBarcode(doc: Y.Doc, barcode: string): ItemInfo | undefined {
  return parseItem(siteMap(doc, SiteRoot.items).get(barcode.trim()));
}

/** The whole item master: barcode -> item, sorted by barcode. */
export function readItems(doc: Y.Doc): Map<string, ItemInfo> {
  const items: [string, ItemInfo][] = [];
  siteMap(doc, SiteRoot.items).forEach((value, barcode) => {
    const item = parseItem(value);
    if (item) items.push([barcode, item]);
  });
  return new Map(items.sort(([a], [b]) => compareStrings(a, b)));
}

/** Adds or replaces a storage location. */
export function putLocation(doc: Y.Doc, location: Location): void {
  ensure(isCode(location.bin) && (location.zone === undefined || isCode(location.zone)), 'location');
  const value = location.zone === undefined ? {} : { zone: location.zone };
  doc.transact(() => siteMap(doc, SiteRoot.locations).set(location.bin, value));
}

/** True when `bin` -> `value` is a well-formed storage location entry. */
export function isLocationEntry(bin: string, value: unknown): boolean {
  const v = asObject(value);
  return v !== undefined && isCode(bin) && (v.zone === undefined || isCode(v.zone)) && Object.keys(v).every((k) => k === 'zone');
}

/** True when `code` is a well-formed barcode or bin code (1-200 characters, no surrounding spaces). */
export function isSiteCode(code: unknown): code is string {
  return isCode(code);
}

/** Every storage location, sorted by bin code. */
export function readLocations(doc: Y.Doc): Location[] {
  const locations: Location[] = [];
  siteMap(doc, SiteRoot.locations).forEach((value, bin) => {
    const v = asObject(value);
    if (!v || !isCode(bin)) return;
    locations.push(isCode(v.zone) ? { bin, zone: v.zone } : { bin });
  });
  return locations.sort((a, b) => compareStrings(a.bin, b.bin));
}

/** True when `bin` is a known storage location. */
export function isKnownBin(doc: Y.Doc, bin: string): boolean {
  return asObject(siteMap(doc, SiteRoot.locations).get(bin.trim())) !== undefined;
}

/** Sets the name shown for a user. */
export function setUserName(doc: Y.Doc, user: string, displayName: string): void {
  ensure(isCode(user) && isCode(displayName), 'user name');
  doc.transact(() => siteMap(doc, SiteRoot.users).set(user, { displayName }));
}

/** The name shown for a user: their display name, or the user id when none is set. */
export function userName(doc: Y.Doc, user: string): string {
  const v = asObject(siteMap(doc, SiteRoot.users).get(user));
  return v && isCode(v.displayName) ? v.displayName : user;
}

/** Every display name the site lists: user id -> display name (malformed entries skipped). */
export function readUserNames(doc: Y.Doc): Map<string, string> {
  const names = new Map<string, string>();
  siteMap(doc, SiteRoot.users).forEach((value, user) => {
    const v = asObject(value);
    if (v && isCode(v.displayName)) names.set(user, v.displayName);
  });
  return names;
}

/**
 * Calls `listener` after every transaction that changed one of the site's
 * maps, with the names of the maps that changed. Returns the unsubscribe function.
 */
export function observeSite(doc: Y.Doc, listener: (changed: ReadonlySet<SiteRoot>) => void): () => void {
  const roots = Object.values(SiteRoot).map((root) => [root, siteMap(doc, root)] as const);
  const onTransaction = (tr: Y.Transaction): void => {
    const types: ReadonlyMap<unknown, unknown> = tr.changed;
    const changed = new Set(roots.filter(([, map]) => types.has(map)).map(([root]) => root));
    if (changed.size > 0) listener(changed);
  };
  doc.on('afterTransaction', onTransaction);
  return () => doc.off('afterTransaction', onTransaction);
}
