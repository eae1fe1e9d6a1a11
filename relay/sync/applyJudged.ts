/**
 * Applies an update the write policy accepted (or several a peer sent
 * together) to a document inside one transaction. Yjs's own check stays as a
 * guard: parts it would keep pending (their dependencies are missing) would
 * later be integrated without being judged, so such an update is refused.
 * Yjs cannot take integrated items back: a document that took part of a
 * refused or malformed update is `tainted`, and its room reloads it from disk.
 * An accepted change says what it added, for the steps after it (the record
 * reviewer, the index): nothing after has to tell refused from accepted.
 */
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { writeDeleteSet, type ChangeReading } from '../policy/readChange';
import { advancedClients, itemsAdded } from './transactionClocks';
import type { StateVector } from './StoredSegments';

type Struct = Y.Item | Y.GC | Y.Skip;

/** One item a change added: where, and what it holds. */
export interface AddedItem {
  /** The shared type it was added to. */
  readonly parent: unknown;
  /** Whether the same change deleted it again. */
  readonly deleted: boolean;
  readonly values: readonly unknown[];
}

/** What an accepted change did to the document. */
export interface AcceptedChange {
  /**
   * The items it added, in client and clock order. Read inside the
   * transaction: when it ends Yjs merges an item into the one on its left,
   * which then holds both contents.
   */
  readonly added: readonly AddedItem[];
  /** The shared types it changed. */
  readonly changed: ReadonlySet<unknown>;
}

export interface AppliedUpdate {
  /** The new clock of every client the update advanced. */
  until: StateVector;
  /** Whether it deleted something. */
  deletes: boolean;
  /** Whether it added or deleted anything (an update the relay already holds changes nothing). */
  changed: boolean;
  /** Why it was refused, or null. */
  refusal: string | null;
  /** What stopped Yjs applying it (malformed bytes), or null. */
  failure: unknown;
  /** The document holds something it must not keep: reload it from disk. */
  tainted: boolean;
  /** What it did, when it changed something and was neither refused nor failed. */
  accepted: AcceptedChange | null;
}

/** Why a relay never keeps an update that waits for changes it lacks. */
export const MISSING_DEPENDENCIES = 'the update depends on changes the relay does not have: send the full state';

/**
 * Applies `updates` in order to `doc` in one transaction (origin `origin`).
 * Updates whose structs or deletions Yjs would keep pending are refused.
 * Applying stops at the first update Yjs cannot read.
 */
export function applyJudged(doc: Y.Doc, updates: readonly Uint8Array[] | ChangeReading, origin: unknown): AppliedUpdate {
  const store = doc.store;
  const structsBefore = store.pendingStructs?.update ?? null;
  const deletesBefore = store.pendingDs;
  /** False when part of a change read beforehand rests on structs nobody holds (Yjs would keep it pending). */
  let complete = true;
  const outcome: AppliedUpdate = { until: new Map(), deletes: false, changed: false, refusal: null, failure: null, tainted: false, accepted: null };
  Y.transact(
    doc,
    (txn) => {
      try {
        if (isReading(updates)) complete = integrateReading(txn, updates);
        else for (const update of updates) Y.applyUpdate(doc, update);
      } catch (err) {
        outcome.failure = err;
      }
      outcome.until = advancedClients(txn);
      outcome.deletes = txn.deleteSet.clients.size > 0;
      outcome.changed = outcome.until.size > 0 || outcome.deletes;
      const pendingChanged =
        !sameBytes(structsBefore, store.pendingStructs?.update ?? null) || !sameBytes(deletesBefore, store.pendingDs);
      if (outcome.failure === null && (pendingChanged || !complete)) outcome.refusal = MISSING_DEPENDENCIES;
      outcome.tainted = outcome.refusal !== null || (outcome.failure !== null && (outcome.changed || pendingChanged));
      if (outcome.changed && outcome.failure === null && outcome.refusal === null) {
        const added = itemsAdded(txn, outcome.until).map((item) => ({ parent: item.parent, deleted: item.deleted, values: item.content.getContent() }));
        outcome.accepted = { added, changed: new Set<unknown>(txn.changed.keys()) };
      }
    },
    origin,
    false,
  );
  return outcome;
}

function isReading(updates: readonly Uint8Array[] | ChangeReading): updates is ChangeReading {
  return !Array.isArray(updates);
}

/**
 * Integrates the structs judging decoded (`readChange`) instead of decoding
 * the bytes a second time: what Yjs's `applyUpdate` does after its own
 * decoding. Each struct goes in after the structs it rests on (its client's
 * earlier ones, its origins and parent in other clients of the change); one
 * resting on a struct neither the document nor the change holds stops the
 * integration and stays out, as Yjs would keep it pending: false, and the
 * change is refused like one Yjs left pending. The delete set is applied by Yjs itself,
 * from an update that holds only it.
 */
function integrateReading(txn: Y.Transaction, reading: ChangeReading): boolean {
  const doc = txn.doc;
  const store = doc.store;
  /** Each client's structs in clock order, and how many of them are done. */
  const queues = new Map<number, { structs: Struct[]; done: number }>();
  for (const struct of reading.structs) {
    const queue = queues.get(struct.id.client);
    if (queue) queue.structs.push(struct);
    else queues.set(struct.id.client, { structs: [struct], done: 0 });
  }
  let missing = false;
  /** Integrates the next struct of `queue`; false when it rests on something missing. */
  const integrateNext = (queue: { structs: Struct[]; done: number }, depth: number): boolean => {
    const struct = queue.structs[queue.done]!;
    const offset = Y.getState(store, struct.id.client) - struct.id.clock;
    if (struct instanceof Y.Skip || offset < 0 || depth > MAX_DEPTH) return false;
    if (offset < struct.length) {
      if (struct instanceof Y.Item) {
        // Decoded without a document, a top-level parent is its name.
        if (typeof struct.parent === 'string') struct.parent = doc.get(struct.parent);
        for (let client = struct.getMissing(txn, store); client !== null; client = struct.getMissing(txn, store)) {
          const other = queues.get(client);
          if (!other || other.done === other.structs.length || !integrateNext(other, depth + 1)) return false;
        }
      }
      struct.integrate(txn, offset);
    }
    queue.done++;
    return true;
  };
  for (const queue of queues.values()) {
    while (!missing && queue.done < queue.structs.length) missing = !integrateNext(queue, 0);
  }
  if (missing) return false;
  if (reading.ds.clients.size > 0) Y.applyUpdate(doc, encodeDeleteSet(reading.ds));
  return true;
}

/** How deep one struct's dependencies may chain across clients before the change counts as missing some. */
const MAX_DEPTH = 5_000;

/** An update holding only `ds`. */
function encodeDeleteSet(ds: ChangeReading['ds']): Uint8Array {
  const encoder = new Y.UpdateEncoderV1();
  encoding.writeVarUint(encoder.restEncoder, 0);
  writeDeleteSet(encoder, ds.clients);
  return encoder.toUint8Array();
}

/** True when `a` and `b` are both null or hold the same bytes (Yjs replaces pending updates on every retry). */
function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.byteLength !== b.byteLength) return false;
  return a.every((byte, k) => byte === b[k]);
}
