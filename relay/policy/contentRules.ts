/**
 * What a writer may put into each family of document, as pure functions of
 * the change (where its content lands) and the document's current state. The
 * relay asks them before applying a device's update (`judgeUpdate`); each
 * returns why the change is refused, or null.
 *
 * - `record:<id>`: devices append entries signed by their own user and device
 *   (one entry per id), set descriptive fields with a `fieldEdit` audit entry
 *   in the same change, and write `meta` once, at creation. `review` and
 *   `writers` are the relay's.
 * - `site:<site>`: supervisors and admins keep the item master, the bins and
 *   the site settings (each within its bounds); the record index, display
 *   names and `writers` are the relay's.
 */
import { can, Permission, type Role } from '../../shared/auth/roles';
import { EntryKind, type Entry } from '../../shared/model/entry';
import { isRecordId, isSiteId } from '../../shared/model/ids';
import { parseEntry } from '../../shared/model/parseEntry';
import { RECORD_PREFIX, RecordFields, RecordKind, RecordRoot, isFieldOf } from '../../shared/model/recordLayout';
import { SiteRoot, isLocationEntry, isSiteCode, parseItem } from '../../shared/model/siteDocs';
import { siteSettingRefusal } from '../../shared/model/siteSettings';
import { WRITERS_ROOT } from '../../shared/model/writers';

/** Content a change inserts at one place. */
export interface InsertedContent {
  readonly root: string;
  /** The map key, or null for array elements. */
  readonly key: string | null;
  /** True when it sits directly in the top-level type. */
  readonly topLevel: boolean;
  /** Its plain values, or null for anything else (nested types, text, binary). */
  readonly values: readonly unknown[] | null;
}

/** Content a change deletes at one place (existing items, or items it inserts already deleted). */
export interface RemovedContent {
  readonly root: string;
  readonly key: string | null;
  readonly topLevel: boolean;
}

/** Where a change's content lands. */
export interface ChangeContent {
  readonly inserted: readonly InsertedContent[];
  readonly removed: readonly RemovedContent[];
}

/** Who sends the change. */
export interface Sender {
  readonly user: string;
  /** Null when the connection named no device: it may not write. */
  readonly device: string | null;
  readonly role: Role;
  /** A relay without a user store: who signed what is not checked (tests, local experiments). */
  readonly open?: boolean;
}

/** The families of documents the relay serves. */
export type DocFamily = { kind: 'record'; recordId: string } | { kind: 'site'; site: string };

/** The family of `docName`, or null when it belongs to none. */
export function docFamilyOf(docName: string): DocFamily | null {
  if (docName.startsWith(RECORD_PREFIX)) {
    const recordId = docName.slice(RECORD_PREFIX.length);
    return isRecordId(recordId) ? { kind: 'record', recordId } : null;
  }
  if (docName.startsWith('site:')) {
    const site = docName.slice('site:'.length);
    return isSiteId(site) ? { kind: 'site', site } : null;
  }
  return null;
}

/** Why a document of this name cannot be opened on a relay serving `site`, or null. */
export function unknownDocRefusal(docName: string, site: string): string | null {
  const family = docFamilyOf(docName);
  if (family === null) return `unknown document family: "${docName.slice(0, 60)}" (documents are record:<id> or site:${site})`;
  if (family.kind === 'site' && family.site !== site) return `this relay serves site ${site}, not ${family.site}`;
  return null;
}

/** What the record rules need to know about the record as the relay holds it. */
export interface RecordState {
  readonly recordId: string;
  /** The site the relay serves. */
  readonly site: string;
  /** The record's kind from its stored meta, or null while it has none. */
  readonly kind: RecordKind | null;
  /** True while the stored meta map is empty (the record is not created yet). */
  readonly metaEmpty: boolean;
  /** Ids of the entries the record holds. */
  readonly entryIds: ReadonlySet<string>;
}

/** The keys of a record's meta, each written once at creation. */
const META_KEYS = ['kind', 'id', 'site', 'createdAt', 'createdBy', 'createdDevice'] as const;

const RECORD_DEVICE_ROOTS = new Set<string>([RecordRoot.meta, RecordRoot.fields, RecordRoot.entries]);
const RECORD_RELAY_ROOTS = new Set<string>([RecordRoot.review, WRITERS_ROOT]);

/** Why `sender` may not make `change` to the record, or null. `newEntries` receives the entries it appends. */
export function recordRefusal(sender: Sender, change: ChangeContent, record: RecordState, newEntries: Entry[] = []): string | null {
  for (const { root } of [...change.inserted, ...change.removed]) {
    if (RECORD_RELAY_ROOTS.has(root)) return `the ${root} map is written by the relay alone`;
    if (!RECORD_DEVICE_ROOTS.has(root)) return `"${root}" is not part of a record`;
  }
  for (const { root } of change.removed) {
    if (root === RecordRoot.entries) return 'entries are append-only: correct a line with a reversal';
    if (root === RecordRoot.meta) return "a record's meta data is written once";
  }
  const entries = entriesRefusal(sender, change, record, newEntries);
  if (entries !== null) return entries;
  const meta = metaRefusal(sender, change, record);
  if (meta !== null) return meta;
  return fieldsRefusal(change, record, newEntries);
}

function entriesRefusal(sender: Sender, change: ChangeContent, record: RecordState, out: Entry[]): string | null {
  const seen = new Set<string>();
  for (const { root, topLevel, values } of change.inserted) {
    if (root !== RecordRoot.entries) continue;
    if (!topLevel || values === null) return 'entries are plain values';
    for (const value of values) {
      let entry: Entry;
      try {
        entry = parseEntry(value);
      } catch (err) {
        return `malformed entry: ${(err as Error).message}`;
      }
      if (!sender.open && entry.user !== sender.user) return `entry ${entry.id} is signed by ${entry.user} but was sent by ${sender.user}`;
      if (!sender.open && entry.device !== sender.device) return `entry ${entry.id} names device ${entry.device} but was sent from device ${sender.device}`;
      if (record.entryIds.has(entry.id) || seen.has(entry.id)) return `the record already holds an entry ${entry.id}`;
      seen.add(entry.id);
      out.push(entry);
    }
  }
  return null;
}

function metaRefusal(sender: Sender, change: ChangeContent, record: RecordState): string | null {
  const written = new Map<string, unknown>();
  for (const { root, key, topLevel, values } of change.inserted) {
    if (root !== RecordRoot.meta) continue;
    if (!record.metaEmpty) return "a record's meta data is written once";
    if (!topLevel || key === null || values === null || values.length !== 1) return "a record's meta holds plain values by key";
    if (written.has(key)) return `meta "${key}" is written twice`;
    written.set(key, values[0]);
  }
  if (written.size === 0) return null;
  for (const key of written.keys()) {
    if (!(META_KEYS as readonly string[]).includes(key)) return `meta "${key}" is not part of a record`;
  }
  const missing = META_KEYS.filter((k) => !written.has(k));
  if (missing.length > 0) return `a new record's meta lacks ${missing.join(', ')}`;
  const kind = written.get('kind');
  if (kind !== RecordKind.receipt && kind !== RecordKind.count) return `unknown record kind ${JSON.stringify(kind)}`;
  if (!Number.isSafeInteger(written.get('createdAt'))) return 'meta createdAt is not a time';
  if (sender.open) return null; // an open relay checks the shape of a record, not whose or where it is
  if (written.get('id') !== record.recordId) return `meta id ${JSON.stringify(written.get('id'))} is not this record (${record.recordId})`;
  if (written.get('site') !== record.site) return `meta site ${JSON.stringify(written.get('site'))} is not this relay's site (${record.site})`;
  if (written.get('createdBy') !== sender.user) return `a record is created by the user who sends it (${sender.user})`;
  if (written.get('createdDevice') !== sender.device) return `a record is created on the device that sends it (${sender.device})`;
  return null;
}

function fieldsRefusal(change: ChangeContent, record: RecordState, newEntries: readonly Entry[]): string | null {
  const kind = record.kind ?? newKind(change);
  const set = new Set<string>();
  for (const { root, key, topLevel, values } of change.inserted) {
    if (root !== RecordRoot.fields) continue;
    if (!topLevel || key === null || values === null) return 'fields hold plain text values by name';
    if (kind === null) return 'fields of a record that has no meta yet';
    if (!isFieldOf(kind, key)) return `a ${kind} record has no field "${key}" (fields: ${RecordFields[kind].join(', ')})`;
    for (const value of values) {
      if (typeof value !== 'string') return `field ${key} holds text, not ${typeof value}`;
      const audited = newEntries.some((e) => e.kind === EntryKind.fieldEdit && e.field === key && e.to === value);
      if (!audited) return `field ${key} is set without its fieldEdit audit entry`;
    }
    set.add(key);
  }
  for (const { root, key } of change.removed) {
    if (root !== RecordRoot.fields) continue;
    if (key === null || !set.has(key)) return 'a field is changed by setting it (audited), never removed';
  }
  return null;
}

function newKind(change: ChangeContent): RecordKind | null {
  for (const { root, key, values } of change.inserted) {
    if (root === RecordRoot.meta && key === 'kind' && values?.length === 1) {
      const kind = values[0];
      if (kind === RecordKind.receipt || kind === RecordKind.count) return kind;
    }
  }
  return null;
}

const SITE_EDITABLE = new Set<string>([SiteRoot.items, SiteRoot.locations, SiteRoot.settings]);
const SITE_RELAY_ROOTS = new Set<string>([SiteRoot.records, SiteRoot.users, WRITERS_ROOT]);

/** Why `sender` may not make `change` to the site document, or null. */
export function siteRefusal(sender: Sender, change: ChangeContent): string | null {
  for (const { root } of [...change.inserted, ...change.removed]) {
    if (SITE_RELAY_ROOTS.has(root)) {
      return root === SiteRoot.records
        ? 'the record index is written by the relay alone (from the records)'
        : `the ${root} map is written by the relay alone`;
    }
    if (!SITE_EDITABLE.has(root)) return `"${root}" is not part of a site document`;
  }
  if (!can(sender.role, Permission.editSite)) return `${sender.role} may not change the item master, the bins or the site settings`;
  for (const { root, key, topLevel, values } of change.inserted) {
    if (!topLevel || key === null || values === null) return `the ${root} map holds plain values by code`;
    for (const value of values) {
      if (root === SiteRoot.items && (!isSiteCode(key) || parseItem(value) === undefined)) return `malformed item ${JSON.stringify(key.slice(0, 60))}`;
      if (root === SiteRoot.locations && !isLocationEntry(key, value)) return `malformed bin ${JSON.stringify(key.slice(0, 60))}`;
      if (root === SiteRoot.settings) {
        const refusal = siteSettingRefusal(key, value);
        if (refusal) return refusal;
      }
    }
  }
  return null;
}
