/**
 * Plain encoded Yjs updates for the load generator, written by hand so that
 * producing hundreds of thousands of them costs the generator almost nothing.
 * Every update is an append to a root Y.Array by one client, exactly the bytes
 * Yjs itself writes for `doc.getArray(root).push([value])` (update format v1);
 * `selfCheck()` proves it against Yjs at the start of every run.
 *
 * The bench's documents are Tally records (`record:<id>`) and its lines are
 * valid line entries in their `entries` log, so Tally's relay runs its write
 * policy on them as it does for a crew's receipts.
 */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { mergeUpdateEndClocks } from './updateMeta';
import { parseEntry } from '../../shared/model/parseEntry';

/** The append-only log of a Tally record (shared/model/recordLayout.ts). */
export const ROOT = 'entries';

/** Document name of a bench record. */
export const recordDoc = (id: string) => `record:${id}`;

const CONTENT_ANY = 8;
const HAS_ORIGIN = 0x80;

/**
 * One update appending `values` (as one run of items) for `client`, starting at
 * `clock`. The first run of a client (clock 0) names the root type; later runs
 * point at the client's previous item, as a device appending to its own log does.
 */
export function encodeAppend(client: number, clock: number, values: unknown[], root = ROOT): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1); // clients with structs
  encoding.writeVarUint(e, 1); // structs of this client
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, clock);
  if (clock === 0) {
    encoding.writeUint8(e, CONTENT_ANY);
    encoding.writeVarUint(e, 1); // parent is a root type, named by key
    encoding.writeVarString(e, root);
  } else {
    encoding.writeUint8(e, CONTENT_ANY | HAS_ORIGIN);
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, clock - 1);
  }
  encoding.writeVarUint(e, values.length);
  for (const v of values) encoding.writeAny(e, v as never);
  encoding.writeVarUint(e, 0); // empty delete set
  return encoding.toUint8Array(e);
}

/** A device's stream of single-entry appends, produced on demand. */
export class AppendStream {
  clock = 0;
  constructor(
    readonly client: number,
    private readonly entry: (seq: number) => unknown,
    private readonly root = ROOT,
  ) {}
  next(): Uint8Array {
    const u = encodeAppend(this.client, this.clock, [this.entry(this.clock)], this.root);
    this.clock += 1;
    return u;
  }
}

const T0 = 1_790_000_000_000;

let entryUser: string | null = null;

/** Signs every entry made from now on with this user id (Tally's relay checks it against the token). */
export function setEntryUser(userId: string): void {
  entryUser = userId;
}

/**
 * A received line as a Tally device records it (a valid `line` entry:
 * shared/model/entry.ts): id `<device>:<seq>`, user, device, time, sequence.
 * `device` is the id the sending connection names (Tally's relay refuses an
 * entry of any other device).
 */
export function receiptLine(device: string, seq: number): Record<string, unknown> {
  return { ...lineHeader(device, seq), item: `SKU-${(seq * 7919) % 100000}`, qty: 1 + (seq % 24), lot: `L${seq % 97}` };
}

/** What every bench line carries: id, kind, who, which device, when, which sequence number. */
function lineHeader(device: string, seq: number): Record<string, unknown> {
  return { id: `${device}:${seq}`, kind: 'line', user: entryUser ?? `crew-${device}`, device, at: T0 + seq * 1000, seq };
}

/** The smallest line a device records: one scanned item, quantity 1. */
export function scanLine(device: string, seq: number): Record<string, unknown> {
  return { ...lineHeader(device, seq), item: `S${(100000 + seq).toString(36)}`, qty: 1 };
}

/**
 * One bench device's entries: its id in each, and sequence numbers that never
 * repeat for the device, across all its records (as a Tally device keeps them).
 */
export class DeviceEntries {
  private seq = 0;
  constructor(readonly device: string) {}
  next(make: (device: string, seq: number) => unknown = receiptLine): unknown {
    return make(this.device, this.seq++);
  }
}

/**
 * Reads the first client and the end clock of its first struct run from an
 * update with one client, without decoding contents: enough to match the
 * echo of a single-append update. Returns null for anything else.
 */
export function firstClientClock(update: Uint8Array): { client: number; clock: number } | null {
  try {
    const d = decoding.createDecoder(update);
    if (decoding.readVarUint(d) < 1) return null;
    decoding.readVarUint(d); // structs
    const client = decoding.readVarUint(d);
    const clock = decoding.readVarUint(d);
    return { client, clock };
  } catch {
    return null;
  }
}

/**
 * The clock each client reaches with this update (client -> end clock). Unlike
 * `encodeStateVectorFromUpdate` it also counts a run that does not start at 0,
 * which is what a diff against a device's state vector looks like.
 */
export function updateStateVector(update: Uint8Array): Map<number, number> {
  return Y.parseUpdateMeta(update).to;
}

/** True when `have` covers every clock in `want`. */
export function covers(have: Map<number, number>, want: Map<number, number>): boolean {
  for (const [client, clock] of want) if ((have.get(client) ?? 0) < clock) return false;
  return true;
}

/** Merges `sv` into `into` (max per client). */
export function mergeSv(into: Map<number, number>, sv: Map<number, number>): void {
  for (const [client, clock] of sv) if ((into.get(client) ?? 0) < clock) into.set(client, clock);
}

/** Raises `into` to the clocks `update` brings, without decoding its contents. */
export const mergeUpdateSv = mergeUpdateEndClocks;

/** Throws unless the hand-written updates are what Yjs writes and reads, and lines are valid entries. */
export function selfCheck(): void {
  parseEntry(receiptLine('bench-x1', 0));
  parseEntry(receiptLine('bench-7', 123));
  parseEntry(scanLine('bench-big', 249_999));
  const ref = new Y.Doc();
  ref.clientID = 4242;
  const refUpdates: Uint8Array[] = [];
  ref.on('update', (u: Uint8Array) => refUpdates.push(u));
  const arr = ref.getArray(ROOT);
  for (let i = 0; i < 3; i++) arr.push([receiptLine('bench-1', i)]);
  const ours = [0, 1, 2].map((i) => encodeAppend(4242, i, [receiptLine('bench-1', i)]));
  ours.forEach((u, i) => {
    if (Buffer.compare(Buffer.from(u), Buffer.from(refUpdates[i]!)) !== 0) {
      throw new Error(`hand-encoded append ${i} differs from Yjs`);
    }
  });
  const run = encodeAppend(7, 0, [1, 2, 3]);
  const check = new Y.Doc();
  Y.applyUpdate(check, run);
  Y.applyUpdate(check, encodeAppend(7, 3, ['x']));
  if (JSON.stringify(check.getArray(ROOT).toJSON()) !== '[1,2,3,"x"]') throw new Error('append run does not decode');
  const sv = updateStateVector(encodeAppend(7, 3, ['x']));
  if (sv.get(7) !== 4) throw new Error('state vector of an append is wrong');
  // The byte-skipping reader agrees with Yjs on a document with every kind of content.
  const rich = new Y.Doc();
  rich.clientID = 11;
  rich.getArray('a').push([1, 'two', { three: [3, null, true] }, new Uint8Array([4]), 2.5, -7]);
  rich.getText('t').insert(0, 'héllo 😀 wörld');
  rich.getMap('m').set('k', 'v');
  rich.getMap('m').set('k', 'w');
  rich.getXmlFragment('x').insert(0, [new Y.XmlElement('p'), new Y.XmlText('x')]);
  rich.getArray('a').delete(1, 2);
  const other = new Y.Doc();
  other.clientID = 12;
  Y.applyUpdate(other, Y.encodeStateAsUpdate(rich));
  other.getText('t').insert(3, 'abc');
  for (const u of [Y.encodeStateAsUpdate(rich), Y.encodeStateAsUpdate(other), Y.encodeStateAsUpdate(other, Y.encodeStateVector(rich))]) {
    const fast = new Map<number, number>();
    mergeUpdateEndClocks(u, fast);
    const slow = Y.parseUpdateMeta(u).to;
    if (JSON.stringify([...fast].sort()) !== JSON.stringify([...slow].sort())) {
      throw new Error(`update end clocks differ from Yjs: ${JSON.stringify([...fast])} vs ${JSON.stringify([...slow])}`);
    }
  }
}
