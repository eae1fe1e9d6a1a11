/**
 * What a room's store holds for its document since the log was last
 * compacted, as the bytes that were stored: the base (what was loaded, or the
 * compacted state) and every update appended after it, each with the
 * highest clock it holds per client.
 *
 * A device's sync step 1 is answered from these instead of encoding the
 * document: every segment the device's state vector does not cover is sent
 * as it is. Encoding a document for each device that reconnects was the
 * largest cost of a shift's catch-up (a third of the relay's CPU).
 */

/** Highest clock + 1 per client (a Yjs state vector as a map). */
export type StateVector = Map<number, number>;

interface Segment {
  parts: Uint8Array[];
  /** Clock up to which each client's structs are in `parts` (null: not known yet, so never covered). */
  until: StateVector | null;
  /** Whether `parts` delete something (a state vector cannot tell whether a device has deletions). */
  deletes: boolean;
}

/** The clocks of an empty base, shared. */
const NOTHING: StateVector = new Map();

export class StoredSegments {
  private base: Segment = { parts: [], until: NOTHING, deletes: false };
  /** The base's delete set alone, sent instead of the base to a device that holds every struct of it. */
  private baseDeletes: Uint8Array | null = null;
  private appended: Segment[] = [];

  /** Starts over from `parts` (a load or a compaction) whose structs reach `until` (null: not known). */
  reset(parts: Uint8Array[], until: StateVector | null, deletesOnly: Uint8Array | null): void {
    this.base = { parts, until, deletes: deletesOnly !== null };
    this.baseDeletes = deletesOnly;
    this.appended = [];
  }

  /** Records an update appended to the store. */
  add(update: Uint8Array, until: StateVector, deletes: boolean): void {
    this.appended.push({ parts: [update], until, deletes });
  }

  /** Number of updates kept (the base counts as its parts). */
  get size(): number {
    return this.base.parts.length + this.appended.length;
  }

  /** The updates a device holding `sv` lacks, in store order. */
  missing(sv: StateVector): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (!covers(sv, this.base.until)) out.push(...this.base.parts);
    else if (this.baseDeletes !== null) out.push(this.baseDeletes);
    for (const segment of this.appended) {
      if (segment.deletes || !covers(sv, segment.until)) out.push(...segment.parts);
    }
    return out;
  }
}

/** True when `sv` holds every struct up to `until`. */
function covers(sv: StateVector, until: StateVector | null): boolean {
  if (until === null) return false;
  for (const [client, clock] of until) {
    if ((sv.get(client) ?? 0) < clock) return false;
  }
  return true;
}
