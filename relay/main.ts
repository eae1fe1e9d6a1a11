/**
 * `npm start`: the relay as a process. Opens the LevelDB store in TALLY_DATA,
 * listens on PORT, prints where, and on SIGTERM/SIGINT closes connections,
 * flushes every pending write to disk and exits 0.
 */
import os from 'node:os';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { readConfig } from './config';
import { createRelay } from './createRelay';
import { LevelDocStore } from './storage/LevelDocStore';

async function main(): Promise<void> {
  const config = readConfig();
  const log = pino({ level: config.logLevel, base: { svc: 'tally-relay' } });
  mkdirSync(config.dataDir, { recursive: true });
  const store = await LevelDocStore.open(path.join(config.dataDir, 'docs'), { log });
  const relay = await createRelay({ store, host: config.host, port: config.port, limits: config.limits, log });

  log.info({ port: relay.port, host: config.host, data: config.dataDir }, 'relay listening');
  for (const url of reachableUrls(config.host, relay.port)) process.stdout.write(`Tally relay listening on ${url}\n`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: flushing pending writes');
    try {
      await relay.close();
      await store.close();
      log.info({}, 'stopped cleanly');
      process.exit(0);
    } catch (err) {
      log.error({ err: String(err) }, 'stop failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** The URLs a person on the LAN can use to reach this relay. */
function reachableUrls(host: string, port: number): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [`http://${host}:${port}`];
  const urls = [`http://localhost:${port}`];
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) urls.push(`http://${a.address}:${port}`);
  }
  return urls;
}

main().catch((err: unknown) => {
  process.stderr.write(`tally relay failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
