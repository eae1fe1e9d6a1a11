/**
 * The durable-ack floor (floorMain.ts): not a server anyone would run, a
 * yardstick for what a fsync-before-ack costs on this machine before any
 * relay logic. It takes part only in the workloads that need no Yjs.
 */
import { join } from 'node:path';
import type { LaunchSpec } from './ChildServer';

export const floorSpec: LaunchSpec = {
  id: 'floor',
  title: 'floor: ws + LevelDB fsync, nothing else',
  ackMeaning: 'mux `ack` after LevelDB write with sync:true; no Yjs, no checks, no forwarding',
  dialect: 'tally-mux',
  command: (port, dataDir) => ({
    args: ['--import', 'tsx', 'bench/servers/floorMain.ts'],
    env: { PORT: String(port), FLOOR_DATA: join(dataDir, 'floor') },
  }),
  compaction: 'none (it keeps raw updates and never reads them back)',
  workloads: ['idle', 'latency', 'throughput', 'fanout'],
  readyPath: '/',
  wsBase: (port) => `ws://127.0.0.1:${port}`,
};
