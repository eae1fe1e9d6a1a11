/**
 * Says what one transaction did to a document: which top-level types gained
 * items, which plain values it inserted and where, and which top-level types
 * lost items. The relay applies a device's update inside a transaction and
 * judges it with this before the transaction ends (before any observer or
 * the record reviewer sees it); a refused update is then rolled back by
 * reloading the document from disk. Judging the integrated items, instead of
 * decoding the update a second time beforehand, halves the decoding work on
 * the relay's hot path.
 */
import * as Y from 'yjs';

/** One plain value a transaction inserted, with the top-level type it landed in. */
export interface InsertedValue {
  root: string;
  /** Key inside a map (null for array elements). */
  key: string | null;
  value: unknown;
  /** True when the value sits directly in the top-level type (not inside a nested type). */
  topLevel: boolean;
}

export interface TransactionInspection {
  /** Top-level types that received new items. */
  insertRoots: Set<string>;
  /** Plain values (ContentAny/ContentJSON) inserted, with where they land. */
  inserted: InsertedValue[];
  /** Top-level types that received something other than plain values (nested types, text, binary). */
  nonValueRoots: Set<string>;
  /** Top-level types that lost items to deletions (including items inserted already deleted). */
  deleteRoots: Set<string>;
}

type Struct = Y.Item | Y.GC | Y.Skip;

/** The name of the top-level type `type` belongs to, or null when it cannot be told. */
function rootName(type: Y.AbstractType<unknown>, cache: Map<Y.AbstractType<unknown>, string | null>): string | null {
  const cached = cache.get(type);
  if (cached !== undefined) return cached;
  let top = type;
  while (top._item !== null) {
    const parent = top._item.parent;
    if (!(parent instanceof Y.AbstractType)) return null;
    top = parent;
  }
  let name: string | null;
  try {
    name = Y.findRootTypeKey(top);
  } catch {
    name = null;
  }
  cache.set(type, name);
  return name;
}

/**
 * Inspects everything `txn` added to or deleted from its document so far.
 * Call it inside the transaction (after `Y.applyUpdate`), before it ends;
 * `advanced` is `advancedClients(txn)`, when the caller already has it.
 */
export function inspectTransaction(txn: Y.Transaction, advanced: Map<number, number> = advancedClients(txn)): TransactionInspection {
  const result: TransactionInspection = {
    insertRoots: new Set(),
    inserted: [],
    nonValueRoots: new Set(),
    deleteRoots: new Set(),
  };
  const roots = new Map<Y.AbstractType<unknown>, string | null>();
  const rootOfItem = (item: Y.Item): string =>
    (item.parent instanceof Y.AbstractType ? rootName(item.parent, roots) : null) ?? '?';

  for (const item of itemsAdded(txn, advanced)) {
    const root = rootOfItem(item);
    result.insertRoots.add(root);
    if (item.deleted) result.deleteRoots.add(root);
    const content = item.content;
    if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON) {
      const topLevel = item.parent instanceof Y.AbstractType && item.parent._item === null;
      for (const value of (content as unknown as { arr: unknown[] }).arr) {
        result.inserted.push({ root, key: item.parentSub, value, topLevel });
      }
    } else if (!(content instanceof Y.ContentDeleted)) {
      result.nonValueRoots.add(root);
    }
  }

  Y.iterateDeletedStructs(txn, txn.deleteSet, (struct) => {
    if (struct instanceof Y.Item) result.deleteRoots.add(rootOfItem(struct));
  });
  return result;
}

/**
 * The items `txn` has added so far, by client and clock (GC structs, which
 * carry neither content nor a place, are left out). `advanced` is
 * `advancedClients(txn)`, when the caller already has it.
 */
export function itemsAdded(txn: Y.Transaction, advanced: Map<number, number> = advancedClients(txn)): Y.Item[] {
  const added: Y.Item[] = [];
  for (const client of advanced.keys()) {
    const structs = txn.doc.store.clients.get(client) as Struct[];
    const before = txn.beforeState.get(client) ?? 0;
    for (let i = before === 0 ? 0 : Y.findIndexSS(structs, before); i < structs.length; i++) {
      const struct = structs[i];
      if (struct instanceof Y.Item) added.push(struct);
    }
  }
  return added;
}

/** The new state of every client `txn` has added structs of so far (clients it did not advance are absent). */
export function advancedClients(txn: Y.Transaction): Map<number, number> {
  const advanced = new Map<number, number>();
  for (const [client, structs] of txn.doc.store.clients as Map<number, Struct[]>) {
    const last = structs[structs.length - 1];
    if (last === undefined) continue;
    const state = last.id.clock + last.length;
    if (state > (txn.beforeState.get(client) ?? 0)) advanced.set(client, state);
  }
  return advanced;
}
