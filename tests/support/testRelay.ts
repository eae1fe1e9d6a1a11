/**
 * Starts a real relay on 127.0.0.1 port 0 over a real LevelDB in a temp
 * folder, and tears both down. Logs are captured so tests can assert them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRelay, type Relay, type RelayOptions } from '../../relay/createRelay';
import { LevelDocStore } from '../../relay/storage/LevelDocStore';
import { FileDeviceStore } from '../../relay/auth/FileDeviceStore';
import type { RelayLog } from '../../relay/log';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg?: string;
}

export interface TestRelay {
  relay: Relay;
  store: LevelDocStore;
  /** The device bindings, in `<dir>/devices.json` unless the caller passed its own store. */
  devices: RelayOptions['devices'];
  dir: string;
  logs: LogLine[];
  wsUrl(path: string): string;
  /** Stops relay and store (keeps the folder) and starts them again on the same folder. */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startTestRelay(options: Omit<RelayOptions, 'store'> & { dir?: string } = {}): Promise<TestRelay> {
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'tally-relay-')));
  const logs: LogLine[] = [];
  const log: RelayLog = {
    debug: (obj, msg) => logs.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => logs.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => logs.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => logs.push({ level: 'error', obj, msg }),
  };
  const open = async (): Promise<{ relay: Relay; store: LevelDocStore; devices: RelayOptions['devices'] }> => {
    const store = await LevelDocStore.open(path.join(dir, 'docs'), { retryDelayMs: 20, maxRetryDelayMs: 200 });
    const devices = options.devices ?? (options.users ? await FileDeviceStore.open(dir) : undefined);
    const relay = await createRelay({ log, ...options, store, devices, port: options.port ?? 0 });
    return { relay, store, devices };
  };
  const stop = async (): Promise<void> => {
    await t.relay.close();
    await t.store.close();
    if (!options.devices) await t.devices?.close();
  };
  const t: TestRelay = {
    ...(await open()),
    dir,
    logs,
    wsUrl(p: string) {
      return `${t.relay.url.replace('http', 'ws')}${p}`;
    },
    async restart() {
      await stop();
      Object.assign(t, await open());
    },
    async cleanup() {
      await stop();
      // A folder the caller gave (a mount point) is only emptied.
      await rm(options.dir ? path.join(dir, 'docs') : dir, { recursive: true, force: true });
      if (options.dir) await rm(path.join(dir, 'devices.json'), { force: true });
    },
  };
  return t;
}
