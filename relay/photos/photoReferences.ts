/**
 * Which stored photos the records reference, as pure functions over a
 * record's raw log. A `photo` entry names its photo by the SHA-256 of its
 * bytes (shared/model/entry.ts), and its thumbnail by its own; any value of
 * such an entry that looks like a photo name counts, also in an entry this
 * version would reject as malformed or in a field added later: a name read
 * here only keeps a file, so reading too many is the safe mistake.
 */
import * as Y from 'yjs';
import { RecordRoot } from '../../shared/model/recordLayout';
import { isSha256Hex } from './photoBytes';

/** Nesting a photo entry's values are searched to (an id inside a small object, such as a thumbnail's). */
const MAX_DEPTH = 3;

/** Adds to `into` every photo name that the raw log items `entries` reference. */
export function collectPhotoReferences(entries: readonly unknown[], into: Set<string>): Set<string> {
  for (const entry of entries) {
    if (isObject(entry) && entry.kind === 'photo') collectNames(entry, into, 0);
  }
  return into;
}

/** The photo names a record document references, from its stored updates in write order. */
export function photoReferencesOfUpdates(updates: readonly Uint8Array[], into: Set<string> = new Set()): Set<string> {
  const doc = new Y.Doc();
  try {
    // Inside one transaction: Yjs then integrates the lot once, not per update.
    doc.transact(() => {
      for (const update of updates) Y.applyUpdate(doc, update);
    });
    // The log raw, as stored: entries the model would skip as malformed still keep their photos.
    return collectPhotoReferences(doc.getArray(RecordRoot.entries).toArray(), into);
  } finally {
    doc.destroy();
  }
}

function collectNames(value: unknown, into: Set<string>, depth: number): void {
  if (isSha256Hex(value)) into.add(value);
  else if (depth < MAX_DEPTH && Array.isArray(value)) for (const v of value) collectNames(v, into, depth + 1);
  else if (depth < MAX_DEPTH && isObject(value)) for (const v of Object.values(value)) collectNames(v, into, depth + 1);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array);
}
