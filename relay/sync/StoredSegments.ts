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

/** What the store held when it was last loaded or compacted. */
interface Base {
  parts: Uint8Array[];
  /** Clock up to which each client's structs are in `parts` (null: not known yet, so never covered). */
  until: StateVector | null;
}

/**
 * One update appended since. Its clocks are kept flat, as client, clock,
 * client, clock...: a room keeps one of these per change until the next
 * compaction, so each is kept small.
 */
interface Appended {
  update: Uint8Array;
  until: number[];
  /** Whether it deletes something (a state vector cannot tell whether a device has deletions). */
  deletes: boolean;
}

export class StoredSegments {
  private base: Base = { parts: [], until: null };
  /** The base's delete set alone, sent instead of the base to a device that holds every struct of it. */
  private baseDeletes: Uint8Array | null = null;
  private appended: Appended[] = [];

  /** Starts over from `parts` (a load or a compaction) whose structs reach `until` (null: not known). */
  reset(parts: Uint8Array[], until: StateVector | null, deletesOnly: Uint8Array | null): void {
    this.base = { parts, until };
    this.baseDeletes = deletesOnly;
    this.appended = [];
  }

  /** Records an update appended to the store, whose structs reach `until`. */
  add(update: Uint8Array, until: StateVector, deletes: boolean): void {
    const flat: number[] = [];
    for (const [client, clock] of until) flat.push(client, clock);
    this.appended.push({ update, until: flat, deletes });
  }

  /** The updates a device holding `sv` lacks, in store order. */
  missing(sv: StateVector): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.base.parts.length > 0) {
      if (!covers(sv, this.base.until)) out.push(...this.base.parts);
      else if (this.baseDeletes !== null) out.push(this.baseDeletes);
    }
    for (const { update, until, deletes } of this.appended) {
      if (deletes || !coversFlat(sv, until)) out.push(update);
    }
    return out;
  }
}

/** True when `sv` holds every struct up to the flat client, clock pairs of `until`. */
function coversFlat(sv: StateVector, until: number[]): boolean {
  for (let i = 0; i < until.length; i += 2) {
    if ((sv.get(until[i]!) ?? 0) < until[i + 1]!) return false;
  }
  return true;
}

/** True when `sv` holds every struct up to `until`. */
function covers(sv: StateVector, until: StateVector | null): boolean {
  if (until === null) return false;
  for (const [client, clock] of until) {
    if ((sv.get(client) ?? 0) < clock) return false;
  }
  return true;
}
