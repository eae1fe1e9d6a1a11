/**
 * A Map-backed stand-in for the device's `localStorage` (the app's
 * `KeyValueStore`), for tests that run outside a browser. `data` is the map
 * itself, for tests that check what was kept.
 */
import type { KeyValueStore } from '../../client/app/lib/device';

export function memoryKeyValueStore(initial: Record<string, string> = {}): KeyValueStore & { readonly data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}
