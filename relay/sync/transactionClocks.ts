/**
 * What a transaction did, found from its clocks: the items it added and the
 * clients it advanced. The relay's observers (the record reviewer) and the
 * room's path to disk use these instead of Yjs's `event.changes`, which walks
 * the whole array on every append.
 */
import * as Y from 'yjs';

type Struct = Y.Item | Y.GC | Y.Skip;

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
