/**
 * Global setup of the browser project: starts a real relay in Node on
 * 127.0.0.1 port 0 with a LevelDocStore in a temp folder, and provides its URL
 * (`relayUrl`) plus the URL of a port nothing listens on (`unreachableRelayUrl`,
 * a relay out of reach) to the tests, which read them with `inject`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createRelay, type Relay } from '../../relay/createRelay';
import { LevelDocStore } from '../../relay/storage/LevelDocStore';
import { registerBrowserRelay, type BrowserRelay } from './browserRelay';

declare module 'vitest' {
  interface ProvidedContext {
    /** The real relay started for the browser tests. */
    relayUrl: string;
    /** A 127.0.0.1 port with nothing listening: connecting fails at once. */
    unreachableRelayUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tally-browser-'));
  let port = 0;
  let relay: Relay | null = null;
  let store: LevelDocStore | null = null;
  const control: BrowserRelay = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get relay() {
      return relay;
    },
    get store() {
      return store;
    },
    async start() {
      if (relay) return;
      store = await LevelDocStore.open(path.join(dir, 'docs'));
      relay = await createRelay({ store, port });
      port = relay.port;
    },
    async stop() {
      await relay?.close();
      await store?.close();
      relay = null;
      store = null;
    },
  };
  await control.start();
  registerBrowserRelay(control);
  project.provide('relayUrl', control.url);
  project.provide('unreachableRelayUrl', `http://127.0.0.1:${await unusedPort()}`);
  return async () => {
    registerBrowserRelay(null);
    await control.stop();
    await rm(dir, { recursive: true, force: true });
  };
}

/** A port that was free a moment ago and has nothing listening now. */
async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
