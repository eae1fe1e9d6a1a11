/**
 * The relay's write policy, applied to every update whatever client sent it
 * (rule 6 of the product brief). It answers in two steps: before anything is
 * applied (may this user write here at all?) and, for record documents, on
 * what the update did once applied inside a transaction that has not yet
 * ended. An update is judged whole: one forbidden part refuses all of it.
 */
import { DEVICE_ROOTS, RELAY_ONLY_ROOTS, RecordRoot } from '../../shared/model/recordLayout';
import { parseEntry } from '../../shared/model/parseEntry';
import type { Principal } from '../net/Principal';
import type { TransactionInspection } from './inspectTransaction';

/** Document families by name prefix. */
export const RECORD_PREFIX = 'record:';

/** One connection's write rules, as a document room asks for them. */
export interface WritePolicy {
  /** Why nothing may be written to `docName` (read-only role), or null. Asked before applying. */
  refuseAny(docName: string): string | null;
  /**
   * Why the change `inspect()` describes may not be made to `docName`, or
   * null. Asked inside the transaction; `inspect` is only called for
   * documents whose content is policed.
   */
  refuseChange(docName: string, inspect: () => TransactionInspection): string | null;
}

/** The write policy of a connection authenticated as `principal`. */
export function writePolicyFor(principal: Principal): WritePolicy {
  return {
    refuseAny: () => (principal.mayWrite ? null : `${principal.role} may not write`),
    refuseChange: (docName, inspect) => (docName.startsWith(RECORD_PREFIX) ? recordChangeRefusal(principal, inspect()) : null),
  };
}

const relayOnly = RELAY_ONLY_ROOTS as readonly string[];
const deviceRoots = DEVICE_ROOTS as readonly string[];

/** Why `principal` may not make `change` to a record document, or null. */
export function recordChangeRefusal(principal: Principal, change: TransactionInspection): string | null {
  for (const root of change.insertRoots) {
    if (relayOnly.includes(root)) return `the ${root} map is written by the relay alone`;
    if (!deviceRoots.includes(root)) return `"${root}" is not part of a record`;
  }
  for (const root of change.deleteRoots) {
    if (root === RecordRoot.entries) return 'entries are append-only: correct a line with a reversal';
    if (relayOnly.includes(root)) return `the ${root} map is written by the relay alone`;
    if (root === RecordRoot.meta) return "a record's meta data is written once";
  }
  if (change.nonValueRoots.has(RecordRoot.entries)) return 'entries are plain values';
  for (const { root, value, topLevel } of change.inserted) {
    if (root !== RecordRoot.entries) continue;
    if (!topLevel) return 'entries are plain values';
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
