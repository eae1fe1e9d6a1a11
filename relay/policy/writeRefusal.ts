/**
 * The relay's write policy, applied to every update before it touches a
 * document, whatever client sent it (rule 6 of the product brief). Returns
 * the reason an update is refused, or null. An update is judged whole: one
 * forbidden part refuses all of it.
 */
import type * as Y from 'yjs';
import { DEVICE_ROOTS, RELAY_ONLY_ROOTS, RecordRoot, type RecordRoot as RecordRootName } from '../../shared/model/recordLayout';
import { parseEntry } from '../../shared/model/parseEntry';
import type { Principal } from '../net/Principal';
import { inspectUpdate } from './inspectUpdate';

/** Document families by name prefix. */
export const RECORD_PREFIX = 'record:';

/**
 * Why `principal` may not apply `update` to document `docName` (whose relay
 * copy is `doc`), or null. Throws only for bytes that are not a Yjs update.
 */
export function writeRefusal(principal: Principal, docName: string, doc: Y.Doc, update: Uint8Array): string | null {
  if (!principal.mayWrite) return `${principal.role} may not write`;
  if (docName.startsWith(RECORD_PREFIX)) return recordWriteRefusal(principal, doc, update);
  return null;
}

function recordWriteRefusal(principal: Principal, doc: Y.Doc, update: Uint8Array): string | null {
  const inspection = inspectUpdate(doc, update);
  const relayOnly = RELAY_ONLY_ROOTS as readonly string[];
  const deviceRoots = DEVICE_ROOTS as readonly string[];
  for (const root of inspection.insertRoots) {
    if (relayOnly.includes(root)) return `the ${root} map is written by the relay alone`;
    if (!deviceRoots.includes(root)) return `"${root}" is not part of a record`;
  }
  for (const root of inspection.deleteRoots) {
    if (root === RecordRoot.entries) return 'entries are append-only: correct a line with a reversal';
    if (relayOnly.includes(root)) return `the ${root} map is written by the relay alone`;
    if (root === RecordRoot.meta) return 'a record\'s meta data is written once';
  }
  if (inspection.unresolved > 0) {
    return 'the update depends on changes the relay does not have: send the full state';
  }
  for (const { root, value } of inspection.inserted) {
    if (root !== (RecordRoot.entries satisfies RecordRootName)) continue;
    let entry;
    try {
      entry = parseEntry(value);
    } catch (err) {
      return `malformed entry: ${(err as Error).message}`;
    }
    if (!principal.open && entry.user !== principal.user) {
      return `entry ${entry.id} is signed by ${entry.user} but was sent by ${principal.user}`;
    }
  }
  return null;
}
