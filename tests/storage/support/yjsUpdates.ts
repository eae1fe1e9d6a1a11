import * as Y from 'yjs';

/** `count` Yjs updates, one per pushed line `${prefix}${i}` into the array `lines`. */
export function lineUpdates(count: number, prefix = 'line-'): Uint8Array[] {
  return recordLines(count, prefix).updates;
}

/**
 * `count` line updates and the document state after all of them, encoded as
 * the relay compacts (much faster than `Y.mergeUpdates` for many updates).
 */
export function recordLines(count: number, prefix = 'line-'): { updates: Uint8Array[]; state: Uint8Array } {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  const lines = doc.getArray<string>('lines');
  for (let i = 0; i < count; i++) lines.push([`${prefix}${i}`]);
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return { updates, state };
}

/** The lines of the document made of `updates`, in array order. */
export function linesOf(updates: Uint8Array[]): string[] {
  const doc = new Y.Doc();
  Y.transact(doc, () => {
    for (const update of updates) Y.applyUpdate(doc, update);
  });
  const lines = doc.getArray<string>('lines').toArray();
  doc.destroy();
  return lines;
}

/** The merged state of `updates` (quadratic in Yjs: keep to a few hundred updates). */
export function mergedState(updates: Uint8Array[]): Uint8Array {
  return Y.mergeUpdates(updates);
}
