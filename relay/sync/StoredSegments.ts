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

/** Largest chunk the appended bytes are copied into. */
const MAX_CHUNK = 64 * 1024;

export class StoredSegments {
  private base: Base = { parts: [], until: null };
  /** The base's delete set alone, sent instead of the base to a device that holds every struct of it. */
  private baseDeletes: Uint8Array | null = null;
  /**
   * The updates appended since, copied back to back into chunks: a room
   * keeps one per change until the next compaction, and a Uint8Array of its
   * own per update (a JS object, an ArrayBuffer and a separate allocation
   * each) was a third of the relay's heap in the throughput bench.
   */
  private chunks: Uint8Array[] = [];
  /** Bytes used of the last chunk. */
  private used = 0;
  /** Per appended update, flat: chunk, start, end, deletes (1 or 0), and where its clocks start and end in `clocks`. */
  private index: number[] = [];
  /** The appended updates' highest clocks, as client, clock, client, clock... */
  private clocks: number[] = [];

  /** Starts over from `parts` (a load or a compaction) whose structs reach `until` (null: not known). */
  reset(parts: Uint8Array[], until: StateVector | null, deletesOnly: Uint8Array | null): void {
    this.base = { parts, until };
    this.baseDeletes = deletesOnly;
    this.chunks = [];
    this.used = 0;
    this.index = [];
    this.clocks = [];
  }

  /**
   * Keeps a copy of an update appended to the store, whose structs reach
   * `until`, and returns the copy (a view that keeps no buffer of the caller's alive).
   */
  add(update: Uint8Array, until: StateVector, deletes: boolean): Uint8Array {
    let chunk = this.chunks[this.chunks.length - 1];
    if (chunk === undefined || chunk.byteLength - this.used < update.byteLength) {
      // Chunks grow with the log, so a record of a few changes keeps a few bytes, a long one few chunks.
      const grown = Math.min(MAX_CHUNK, Math.max(256, (chunk?.byteLength ?? 0) * 2));
      chunk = new Uint8Array(Math.max(grown, update.byteLength));
      this.chunks.push(chunk);
      this.used = 0;
    }
    const start = this.used;
    chunk.set(update, start);
    this.used += update.byteLength;
    const clocksFrom = this.clocks.length;
    for (const [client, clock] of until) this.clocks.push(client, clock);
    this.index.push(this.chunks.length - 1, start, this.used, deletes ? 1 : 0, clocksFrom, this.clocks.length);
    return chunk.subarray(start, this.used);
  }

  /** The updates a device holding `sv` lacks, in store order. */
  missing(sv: StateVector): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.base.parts.length > 0) {
      if (!covers(sv, this.base.until)) out.push(...this.base.parts);
      else if (this.baseDeletes !== null) out.push(this.baseDeletes);
    }
    const index = this.index;
    for (let i = 0; i < index.length; i += 6) {
      if (index[i + 3] === 1 || !coversFlat(sv, this.clocks, index[i + 4]!, index[i + 5]!)) {
        out.push(this.chunks[index[i]!]!.subarray(index[i + 1]!, index[i + 2]!));
      }
    }
    return out;
  }
}

/** True when `sv` holds every struct up to the flat client, clock pairs of `clocks` from `from` to `to`. */
function coversFlat(sv: StateVector, clocks: number[], from: number, to: number): boolean {
  for (let i = from; i < to; i += 2) {
    if ((sv.get(clocks[i]!) ?? 0) < clocks[i + 1]!) return false;
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
