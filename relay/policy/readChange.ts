/**
 * Reads what a Yjs update would do to a document, without applying it: which
 * client ids it writes beyond what the document holds (items, GC structs and
 * skips alike), where each new item would land (top-level type, map key,
 * nesting), which plain values it inserts, and which existing items its
 * delete set removes. The relay judges this before anything touches the
 * document, so a refused update never has to be rolled back.
 *
 * An item's place is found the way Yjs finds it when integrating: from its
 * parent when the update names one, else from its left origin, else its right
 * origin, looked up in the document or earlier in the same update.
 */
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { decodeUpdate, type UpdateReader } from './decodeUpdate';

type Struct = Y.Item | Y.GC | Y.Skip;
/** A Yjs delete set as `decodeUpdate` gives it (Yjs exports no name for its type). */
type DeleteSet = ReturnType<typeof Y.decodeUpdate>['ds'];

/** Where a new item lands. */
export type Place =
  /** In a top-level type (`topLevel`) or a type nested in one. */
  | { readonly kind: 'type'; readonly root: string; readonly key: string | null; readonly topLevel: boolean }
  /** Next to garbage-collected content: Yjs integrates it as a GC struct, content dropped. */
  | { readonly kind: 'gc' }
  /** It refers to structs neither the document nor the update holds (Yjs would keep it pending). */
  | { readonly kind: 'missing' };

/** A new item of the update. */
export interface NewItem {
  readonly item: Y.Item;
  readonly place: Place;
}

/** What one client id writes beyond the document's clock. */
export interface ClientWrite {
  readonly client: number;
  /** The document's clock of this client before the update. */
  readonly from: number;
  /** Its clock after the update. */
  readonly to: number;
  /** The clock the update's structs of this client start at (past `from`: a gap, so they would wait). */
  readonly start: number;
  readonly items: NewItem[];
  /** GC structs in the new range (content already gone). */
  readonly gcs: number;
  /** Skips in the new range: gaps, so what follows would wait for changes the document lacks. */
  readonly skips: number;
}

/** An existing item of the document the update deletes. */
export interface DeletedItem {
  readonly item: Y.Item;
  /** Its place (null for an item not in a type: never the case for integrated items). */
  readonly root: string | null;
  readonly key: string | null;
  readonly topLevel: boolean;
  /** The client that wrote it. */
  readonly client: number;
}

/** Everything an update would do; see the module comment. */
export interface ChangeReading {
  /** Client ids the update writes beyond the document's clock, in update order. */
  readonly writes: Map<number, ClientWrite>;
  /** Items of the document (already integrated) the update deletes and that are not deleted yet. */
  readonly deletes: DeletedItem[];
  /** New items of the update that its own delete set deletes (inserted already deleted). */
  readonly deletedOnInsert: Set<Y.Item>;
  /** The delete set names clocks neither the document nor the update holds. */
  readonly deletesMissing: boolean;
  /** Every struct of the update as decoded, in update order (for re-encoding a part of it). */
  readonly structs: readonly Struct[];
  /** The update's delete set: client -> ranges. */
  readonly ds: { readonly clients: ReadonlyMap<number, readonly { readonly clock: number; readonly len: number }[]> };
}

/** True when the update adds or deletes nothing the document does not already have. */
export function changesNothing(reading: ChangeReading): boolean {
  return reading.writes.size === 0 && reading.deletes.length === 0;
}

/** The name of the top-level type `type` belongs to, or null when it cannot be told. */
function rootOfType(type: Y.AbstractType<unknown>): { root: string; topLevel: boolean } | null {
  let top = type;
  while (top._item !== null) {
    const parent = top._item.parent;
    if (!(parent instanceof Y.AbstractType)) return null;
    top = parent;
  }
  try {
    return { root: Y.findRootTypeKey(top), topLevel: top === type };
  } catch {
    return null;
  }
}

/**
 * Reads `update` (format v1) against `doc`, decoded by `reader` (a relay's,
 * which remembers keys; default one that does not). Throws for bytes that
 * are not a Yjs update (the caller treats them as malformed).
 */
export function readChange(doc: Y.Doc, update: Uint8Array, reader?: UpdateReader): ChangeReading {
  return readDecoded(doc, decodeUpdate(update, reader));
}

/**
 * Reads updates sent together (format v1) against `doc` as one change, each
 * decoded once: no merged copy is made, decoded and re-encoded first. Null
 * when they do not follow on from each other client by client (a struct
 * repeated or a gap between two of them): merge those and read the result.
 * Throws for bytes that are not a Yjs update.
 */
export function readChanges(doc: Y.Doc, updates: readonly Uint8Array[], reader?: UpdateReader): ChangeReading | null {
  if (updates.length === 1) return readChange(doc, updates[0]!, reader);
  const structs: Struct[] = [];
  const deleteSets: DeleteSet[] = [];
  /** Clock after the last struct read so far, per client. */
  const next = new Map<number, number>();
  for (const update of updates) {
    const decoded = decodeUpdate(update, reader);
    for (const struct of decoded.structs as Struct[]) {
      const { client, clock } = struct.id;
      const end = next.get(client);
      if (end !== undefined && end !== clock) return null;
      next.set(client, clock + struct.length);
      structs.push(struct);
    }
    deleteSets.push(decoded.ds);
  }
  return readDecoded(doc, { structs, ds: Y.mergeDeleteSets(deleteSets) });
}

function readDecoded(doc: Y.Doc, decoded: { structs: readonly unknown[]; ds: DeleteSet }): ChangeReading {
  const store = doc.store;
  const writes = new Map<number, ClientWrite>();
  /** New structs per client, in clock order, for lookups inside the update. */
  const newStructs = new Map<number, Struct[]>();

  for (const struct of decoded.structs as Struct[]) {
    const client = struct.id.client;
    const held = Y.getState(store, client);
    const end = struct.id.clock + struct.length;
    if (end <= held) continue;
    let write = writes.get(client) as (ClientWrite & { to: number; gcs: number; skips: number }) | undefined;
    if (!write) {
      write = { client, from: held, to: held, start: struct.id.clock, items: [], gcs: 0, skips: 0 };
      writes.set(client, write);
      newStructs.set(client, []);
    }
    newStructs.get(client)!.push(struct);
    if (struct instanceof Y.Skip) write.skips++;
    else {
      write.to = Math.max(write.to, end);
      if (struct instanceof Y.GC) write.gcs++;
    }
  }

  /** The struct holding `id`: in the document, in the update's new structs, or null. */
  const findStruct = (id: Y.ID): Struct | null => {
    if (id.clock < Y.getState(store, id.client)) {
      const structs = store.clients.get(id.client) as Struct[];
      return structs[Y.findIndexSS(structs, id.clock)] ?? null;
    }
    const structs = newStructs.get(id.client);
    if (!structs) return null;
    let lo = 0;
    let hi = structs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = structs[mid]!;
      if (id.clock < s.id.clock) hi = mid - 1;
      else if (id.clock >= s.id.clock + s.length) lo = mid + 1;
      else return s instanceof Y.Skip ? null : s;
    }
    return null;
  };

  const places = new Map<Y.Item, Place>();
  const placeOfNew = (item: Y.Item, depth: number): Place => {
    const known = places.get(item);
    if (known) return known;
    const place = depth > 5_000 ? MISSING : findPlace(item, depth);
    places.set(item, place);
    return place;
  };
  /** The place of the struct at `id` (document or update), or missing/gc. */
  const placeOfRef = (id: Y.ID, depth: number): Place => {
    const ref = findStruct(id);
    if (ref === null || ref instanceof Y.Skip) return MISSING;
    if (ref instanceof Y.GC) return GC_PLACE;
    // Not yet in the document: a new item of this update.
    if (id.clock >= Y.getState(store, id.client)) return placeOfNew(ref, depth + 1);
    const parent = ref.parent;
    if (!(parent instanceof Y.AbstractType)) return GC_PLACE;
    const root = rootOfType(parent);
    return root ? { kind: 'type', root: root.root, key: ref.parentSub, topLevel: root.topLevel } : MISSING;
  };

  const findPlace = (item: Y.Item, depth: number): Place => {
    const ref = item.origin ?? item.rightOrigin;
    if (ref !== null) {
      // Yjs takes the parent and map key from the left origin, else the right one.
      return placeOfRef(ref, depth);
    }
    const parent = item.parent as unknown;
    if (typeof parent === 'string') return { kind: 'type', root: parent, key: item.parentSub, topLevel: true };
    if (parent instanceof Y.ID) {
      const owner = findStruct(parent);
      if (owner === null || owner instanceof Y.Skip) return MISSING;
      if (owner instanceof Y.GC) return GC_PLACE;
      if (!(owner.content instanceof Y.ContentType)) return GC_PLACE; // Yjs would fail: judged as not a place
      const ownerPlace = placeOfRef(parent, depth);
      if (ownerPlace.kind !== 'type') return ownerPlace;
      return { kind: 'type', root: ownerPlace.root, key: item.parentSub, topLevel: false };
    }
    return MISSING;
  };

  for (const write of writes.values()) {
    for (const struct of newStructs.get(write.client)!) {
      if (struct instanceof Y.Item) write.items.push({ item: struct, place: placeOfNew(struct, 0) });
    }
  }

  const deletes: DeletedItem[] = [];
  const deletedOnInsert = new Set<Y.Item>();
  let deletesMissing = false;
  for (const [client, ranges] of decoded.ds.clients) {
    const held = Y.getState(store, client);
    const docStructs = store.clients.get(client) as Struct[] | undefined;
    const fresh = newStructs.get(client) ?? [];
    const freshEnd = writes.get(client)?.to ?? held;
    for (const { clock, len } of ranges) {
      const end = clock + len;
      if (end > freshEnd) deletesMissing = true;
      if (docStructs && clock < held) {
        for (let i = Y.findIndexSS(docStructs, clock); i < docStructs.length; i++) {
          const s = docStructs[i]!;
          if (s.id.clock >= end) break;
          if (!(s instanceof Y.Item) || s.deleted) continue;
          const parent = s.parent;
          const root = parent instanceof Y.AbstractType ? rootOfType(parent) : null;
          deletes.push({ item: s, root: root?.root ?? null, key: s.parentSub, topLevel: root?.topLevel ?? false, client });
        }
      }
      for (const s of fresh) {
        if (s instanceof Y.Item && s.id.clock < end && s.id.clock + s.length > clock) deletedOnInsert.add(s);
      }
    }
  }
  return { writes, deletes, deletedOnInsert, deletesMissing, structs: decoded.structs as Struct[], ds: decoded.ds as ChangeReading['ds'] };
}

const MISSING: Place = { kind: 'missing' };
const GC_PLACE: Place = { kind: 'gc' };

/** Writes a delete set (client, ranges) into a v1 update being encoded, as Yjs lays it out. */
export function writeDeleteSet(encoder: Y.UpdateEncoderV1, clients: Iterable<readonly [number, readonly { clock: number; len: number }[]]>): void {
  const entries = [...clients];
  const rest = encoder.restEncoder;
  encoding.writeVarUint(rest, entries.length);
  for (const [client, ranges] of entries) {
    encoder.resetDsCurVal();
    encoding.writeVarUint(rest, client);
    encoding.writeVarUint(rest, ranges.length);
    for (const { clock, len } of ranges) {
      encoder.writeDsClock(clock);
      encoder.writeDsLen(len);
    }
  }
}
