/**
 * First start: a relay with an empty data folder makes an admin and a
 * one-time sign-in link, so a newcomer running `npm start` is never locked
 * out. The relay prints the link (and a QR code of it) with its own URL.
 */
import { FileUserStore } from './FileUserStore';
import type { BootstrapResult } from './SnapshotUserStore';

export type { BootstrapResult };

/**
 * With no users in `<dataDir>/users.json`, creates user "admin" (role admin)
 * and returns its sign-in link path (`/enrol#code=...`), valid once for
 * `ttlMs` (default 24 h). Until that admin has signed in, each call returns a
 * fresh link and retires the older ones. Otherwise returns null.
 */
export async function bootstrapAdminIfEmpty(dataDir: string, options: { ttlMs?: number; now?: () => number } = {}): Promise<BootstrapResult | null> {
  const store = await FileUserStore.open(dataDir, { watch: false, now: options.now });
  try {
    return await store.bootstrapAdmin({ ttlMs: options.ttlMs });
  } finally {
    await store.close();
  }
}
