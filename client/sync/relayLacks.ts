/**
 * Whether the relay is missing content this device has, judged by state
 * vectors. Deletions do not show in a state vector; they travel with counted
 * local changes instead.
 */
import * as Y from 'yjs';

/** True when `localStateVector` has any item `relayStateVector` does not (both encoded as by `Y.encodeStateVector`). */
export function relayLacks(localStateVector: Uint8Array, relayStateVector: Uint8Array): boolean {
  const relay = Y.decodeStateVector(relayStateVector);
  for (const [client, clock] of Y.decodeStateVector(localStateVector)) {
    if (clock > (relay.get(client) ?? 0)) return true;
  }
  return false;
}
