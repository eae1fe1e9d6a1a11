/**
 * Whether a Yjs transaction inserted or deleted anything: exactly when Yjs
 * would emit an `update` for it. Lets a listener of `afterTransaction` count
 * writes without being an `update` listener, which makes Yjs encode every
 * transaction (also whole stored states being loaded).
 */
import type * as Y from 'yjs';

export function transactionWrote(transaction: Y.Transaction): boolean {
  if (transaction.deleteSet.clients.size > 0) return true;
  for (const [client, clock] of transaction.afterState) if (transaction.beforeState.get(client) !== clock) return true;
  return false;
}
