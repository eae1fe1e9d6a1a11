/**
 * Hocuspocus 4 with its SQLite extension, in its stock configuration (store
 * debounced 2 s, at most 10 s; stored at once when a document's last connection
 * closes). Its acknowledgement is the SyncStatus reply the provider counts down
 * `unsyncedChanges` with: sent once the update is applied in memory.
 */
import { join } from 'node:path';
import type { LaunchSpec } from './ChildServer';

export const hocuspocusSpec: LaunchSpec = {
  id: 'hocuspocus',
  title: 'Hocuspocus 4 + SQLite',
  ackMeaning: 'SyncStatus (applied in memory; SQLite store debounced 2-10 s)',
  dialect: 'hocuspocus',
  command: (port, dataDir) => ({
    args: ['bench/servers/hocuspocusMain.mjs'],
    env: { PORT: String(port), HOCUSPOCUS_DB: join(dataDir, 'hocuspocus.sqlite') },
  }),
  compaction: 'stores the whole merged state of a document on every save',
  readyPath: '/',
  wsBase: (port) => `ws://127.0.0.1:${port}`,
};
