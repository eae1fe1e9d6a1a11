/**
 * Tally's relay, started the way `npm start` starts it (`node
 * --enable-source-maps dist/relay/main.mjs`), minus npm. bench/run.ts makes
 * sure the bundle is fresh before any server starts.
 */
import { RELAY_ARGS } from '../../build/relayBundle';
import type { LaunchSpec } from './ChildServer';
import { enrolInto } from './tallyCredentials';

export const tallySpec: LaunchSpec = {
  id: 'tally',
  title: 'Tally relay',
  ackMeaning: 'mux `ack` after LevelDB write with sync:true (fsync)',
  dialect: 'tally-mux',
  command: (port, dataDir) => ({
    args: [...RELAY_ARGS],
    // Every bench socket is the one bench user: lift the per-user connection limit (20 by default).
    env: {
      PORT: String(port),
      TALLY_DATA: dataDir,
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.BENCH_RELAY_LOG ?? 'warn',
      TALLY_MAX_CONNECTIONS_PER_USER: '1000000',
      // Pauses and per-stage timings at /debug/diagnostics, read by the latency and throughput workloads.
      TALLY_DIAGNOSTICS: '1',
    },
  }),
  compactOnLoadEnv: { TALLY_COMPACT_AFTER_UPDATES: '2' },
  compaction: 'merges a document\'s stored updates into one after 1,000 updates or 4 MB, also while open (here forced on load)',
  evictQuicklyEnv: { TALLY_IDLE_EVICT_MS: '2000' },
  prepareDataDir: enrolInto,
  readyPath: '/healthz',
  wsBase: (port) => `ws://127.0.0.1:${port}`,
};
