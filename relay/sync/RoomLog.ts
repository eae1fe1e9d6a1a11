/**
 * A room's ordered path to disk: every update the room keeps is appended to
 * the store, in order, and also kept in memory as stored (`StoredSegments`)
 * so a device's sync step 1 is answered without encoding the document. When
 * the log grows past the limits it is compacted, also while the document
 * stays open, so a busy shift does not grow it without bound.
 */
import * as Y from 'yjs';
import type { DocStore } from '../storage/DocStore';
import type { RelayLimits } from '../limits';
import type { RelayLog } from '../log';
import { StoredSegments, type StateVector } from './StoredSegments';

/** The document as one update, to replace the log with. */
export interface Snapshot {
  state: Uint8Array;
  /** Highest clock per client in `state`. */
  until: StateVector;
  /** `state`'s delete set alone, or null when nothing was deleted. */
  deletesOnly: Uint8Array | null;
}

export interface RoomLogOptions {
  /** The document's name in the store. */
  name: string;
  store: DocStore;
  limits: RelayLimits;
  log: RelayLog;
  /** The document to compact to, or null when the room cannot compact now (reloading, destroyed). */
  snapshot: () => Snapshot | null;
  /** Runs after each write settles (the room may have become idle). */
  onSettled: () => void;
}

export class RoomLog {
  private readonly segments = new StoredSegments();
  private lastWrite: Promise<void> = Promise.resolve();
  private pending = 0;
  private storedUpdates = 0;
  private storedBytes = 0;
  private compactionQueued = false;

  private readonly name: string;
  private readonly store: DocStore;
  private readonly limits: RelayLimits;
  private readonly log: RelayLog;
  private readonly snapshot: () => Snapshot | null;
  private readonly onSettled: () => void;

  constructor(options: RoomLogOptions) {
    this.name = options.name;
    this.store = options.store;
    this.limits = options.limits;
    this.log = options.log;
    this.snapshot = options.snapshot;
    this.onSettled = options.onSettled;
  }

  /** Writes not yet durable. */
  get pendingWrites(): number {
    return this.pending;
  }

  /** Bytes the store holds for the document (roughly: what was loaded or compacted, plus appends). */
  get approxBytes(): number {
    return this.storedBytes;
  }

  /** Resolves once every write started so far is durable. */
  whenDurable(): Promise<void> {
    return this.lastWrite;
  }

  /**
   * Starts over from what the store holds (`parts`, as loaded), whose
   * structs reach `until` (null while the document is not built: every
   * part then goes whole to anyone who asks, which is always correct).
   */
  loaded(parts: Uint8Array[], until: StateVector | null, deletesOnly: Uint8Array | null): void {
    this.segments.reset(parts, until, deletesOnly);
    this.storedUpdates = parts.length;
    this.storedBytes = parts.reduce((sum, u) => sum + u.byteLength, 0);
  }

  /** The stored updates a device holding `sv` lacks, in store order. */
  missing(sv: StateVector): Uint8Array[] {
    return this.segments.missing(sv);
  }

  /** Appends `received` (whose structs reach `until`); resolves once durable. */
  append(received: Uint8Array, until: StateVector, deletes: boolean): { update: Uint8Array; durable: Promise<void> } {
    // The segments keep a copy of their own, which is also what goes to the
    // store and to the other peers: `received` may be a view into the
    // socket's read buffer (up to 64 KB), which it would keep alive until durable.
    const update = this.segments.add(received, until, deletes);
    this.storedUpdates++;
    this.storedBytes += update.byteLength;
    const durable = this.track(this.store.append(this.name, update));
    this.maybeCompact();
    return { update, durable };
  }

  /** Compacts if the log passed the limits (deferred, so a burst of appends in one tick is compacted once). */
  maybeCompact(): void {
    if (this.compactionQueued) return;
    if (this.storedUpdates < 2) return;
    if (this.storedUpdates < this.limits.compactAfterUpdates && this.storedBytes < this.limits.compactAfterBytes) return;
    this.compactionQueued = true;
    setImmediate(() => {
      this.compactionQueued = false;
      const snapshot = this.snapshot();
      if (snapshot === null) return;
      this.segments.reset([snapshot.state], snapshot.until, snapshot.deletesOnly);
      this.storedUpdates = 1;
      this.storedBytes = snapshot.state.byteLength;
      this.track(this.store.compact(this.name, snapshot.state));
    });
  }

  private track(write: Promise<void>): Promise<void> {
    this.pending++;
    const done = write.then(
      () => {
        this.pending--;
        this.onSettled();
      },
      (err: unknown) => {
        this.pending--;
        this.log.error({ doc: this.name, err: String(err) }, 'write failed for good');
        throw err;
      },
    );
    this.lastWrite = done;
    done.catch(() => {});
    return done;
  }
}

/** `doc` as a `Snapshot`. */
export function snapshotOf(doc: Y.Doc): Snapshot {
  return { state: Y.encodeStateAsUpdate(doc), until: Y.decodeStateVector(Y.encodeStateVector(doc)), deletesOnly: deletesOnlyOf(doc) };
}

/** `doc`'s delete set alone as an update, or null when nothing was ever deleted. */
export function deletesOnlyOf(doc: Y.Doc): Uint8Array | null {
  if (Y.createDeleteSetFromStructStore(doc.store).clients.size === 0) return null;
  return Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc));
}
