/**
 * The photo upload floor (putFloorMain.ts) as a child process, so its memory
 * and CPU are its own. Only the photo workload starts it, beside Tally's relay.
 */
import { join } from 'node:path';
import type { LaunchSpec } from './ChildServer';

export const putFloorSpec: LaunchSpec = {
  id: 'put-floor',
  title: 'floor: plain HTTP PUT, streamed to disk with fsync, no resume',
  ackMeaning: '201 after the file and its folder are fsynced',
  dialect: 'tally-mux',
  command: (port, dataDir) => ({
    args: ['--import', 'tsx', 'bench/servers/putFloorMain.ts'],
    env: { PORT: String(port), PUT_FLOOR_DATA: join(dataDir, 'photos') },
  }),
  compaction: 'none',
  workloads: ['photos'],
  readyPath: '/',
  wsBase: (port) => `http://127.0.0.1:${port}`,
};
