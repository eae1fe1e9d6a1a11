/**
 * Reads a Yjs update before it is applied and says what it would do to a
 * document: which top-level types its new items land in, which values they
 * insert, and which top-level types lose items to its deletions. The relay's
 * write policy decides on this; nothing here applies anything.
 */
import * as Y from 'yjs';

/** One value the update inserts, with the top-level type it lands in. */
export interface InsertedValue {
  root: string;
  /** Key inside a map (null for array elements). */
  key: string | null;
  value: unknown;
}

export interface UpdateInspection {
  /** Top-level types that receive new items. */
  insertRoots: Set<string>;
  /** Plain values (ContentAny/ContentJSON) inserted, with where they land. */
  inserted: InsertedValue[];
  /** Top-level types that lose existing items to deletions. */
  deleteRoots: Set<string>;
  /** New items whose place could not be resolved (their dependencies are missing). */
  unresolved: number;
}

type Struct = Y.Item | Y.GC | Y.Skip;

/** Inspects `update` against the current state of `doc` (which it does not change). */
export function inspectUpdate(doc: Y.Doc, update: Uint8Array): UpdateInspection {
  const { structs, ds } = Y.decodeUpdate(update) as unknown as {
    structs: Struct[];
    ds: { clients: Map<number, { clock: number; len: number }[]> };
  };
  const local = new Map<number, Y.Item[]>();
  for (const s of structs) {
    if (s instanceof Y.Item) {
      const list = local.get(s.id.client) ?? [];
      list.push(s);
      local.set(s.id.client, list);
    }
  }
  const result: UpdateInspection = { insertRoots: new Set(), inserted: [], deleteRoots: new Set(), unresolved: 0 };
  const rootCache = new Map<Y.Item, string | null>();

  const findLocal = (id: Y.ID): Y.Item | undefined =>
    local.get(id.client)?.find((it) => it.id.clock <= id.clock && id.clock < it.id.clock + it.length);

  const inDoc = (id: Y.ID): Y.Item | undefined => {
    if (Y.getState(doc.store, id.client) <= id.clock) return undefined;
    const s = Y.getItem(doc.store, id) as Struct;
    return s instanceof Y.Item ? s : undefined;
  };

  const rootOfDocType = (type: Y.AbstractType<unknown>): string | null => {
    let t = type;
    while (t._item !== null) {
      const parent = t._item.parent;
      if (!(parent instanceof Y.AbstractType)) return null;
      t = parent;
    }
    try {
      return Y.findRootTypeKey(t);
    } catch {
      return null;
    }
  };

  const rootOfId = (id: Y.ID, depth: number): string | null => {
    const l = findLocal(id);
    if (l) return rootOfNew(l, depth + 1);
    const d = inDoc(id);
    if (d && d.parent instanceof Y.AbstractType) return rootOfDocType(d.parent);
    return null;
  };

  // Resolves the top-level type of an item that is new in this update.
  const rootOfNew = (item: Y.Item, depth: number): string | null => {
    if (rootCache.has(item)) return rootCache.get(item)!;
    if (depth > 10_000) return null;
    let root: string | null = null;
    const parent = item.parent as unknown;
    if (typeof parent === 'string') root = parent;
    else if (parent instanceof Y.ID) root = rootOfId(parent, depth);
    else if (parent instanceof Y.AbstractType) root = rootOfDocType(parent);
    else if (item.origin) root = rootOfId(item.origin, depth);
    else if (item.rightOrigin) root = rootOfId(item.rightOrigin, depth);
    rootCache.set(item, root);
    return root;
  };

  for (const s of structs) {
    if (!(s instanceof Y.Item)) continue;
    // Items the relay already holds change nothing; only new ones are judged.
    if (Y.getState(doc.store, s.id.client) >= s.id.clock + s.length) continue;
    const root = rootOfNew(s, 0);
    if (root === null) {
      result.unresolved++;
      continue;
    }
    result.insertRoots.add(root);
    const content = s.content as { arr?: unknown[] };
    if ((s.content instanceof Y.ContentAny || s.content instanceof Y.ContentJSON) && Array.isArray(content.arr)) {
      for (const value of content.arr) result.inserted.push({ root, key: s.parentSub, value });
    }
  }

  for (const [client, ranges] of ds.clients) {
    for (const range of ranges) {
      let clock = range.clock;
      const end = range.clock + range.len;
      const known = Math.min(end, Y.getState(doc.store, client));
      while (clock < known) {
        const s = Y.getItem(doc.store, Y.createID(client, clock)) as Struct;
        if (s instanceof Y.Item && !s.deleted && s.parent instanceof Y.AbstractType) {
          const root = rootOfDocType(s.parent);
          result.deleteRoots.add(root ?? '?');
        }
        clock = s.id.clock + s.length;
      }
      // Deleting items that arrive in this same update: judge by their own root.
      for (const item of local.get(client) ?? []) {
        if (item.id.clock < end && item.id.clock + item.length > range.clock && Y.getState(doc.store, client) <= item.id.clock) {
          result.deleteRoots.add(rootOfNew(item, 0) ?? '?');
        }
      }
    }
  }
  return result;
}
