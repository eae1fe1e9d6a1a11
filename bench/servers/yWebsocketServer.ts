/**
 * The reference y-websocket server: `bin/server.js` of y-websocket 1.5 (installed
 * as the alias `y-websocket-server`), persisting with y-leveldb via YPERSISTENCE.
 * Its only reply that says "received" is the echo of an update to every
 * connection of the document, the sender included; y-leveldb's write is queued
 * behind it and LevelDB does not fsync it.
 */
import { fileURLToPath } from 'node:url';
import type { LaunchSpec } from './ChildServer';

/** The package's exports hide bin/, so the script is found by path. */
const serverScript = fileURLToPath(new URL('../../node_modules/y-websocket-server/bin/server.js', import.meta.url));

export const yWebsocketSpec: LaunchSpec = {
  id: 'y-websocket',
  title: 'y-websocket 1.5 + y-leveldb',
  ackMeaning: 'echo of the update (applied in memory; y-leveldb write queued, never fsynced)',
  dialect: 'y-websocket',
  command: (port, dataDir) => ({
    args: [serverScript],
    env: { HOST: '127.0.0.1', PORT: String(port), YPERSISTENCE: dataDir },
  }),
  compaction: 'y-leveldb merges a document\'s updates only when loading one with more than 500',
  readyPath: '/',
  wsBase: (port) => `ws://127.0.0.1:${port}`,
};
