/**
 * A real relay (relay/createRelay.ts) over a real LevelDocStore in a temp
 * folder, on 127.0.0.1. It can be stopped and started again on the same port
 * and folder (a relay restart, as devices see it), and the folder can be read
 * with a fresh LevelDocStore to see what is really on disk.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import { createRelay, type Relay } from '../../relay/createRelay';
import type { RelayLimits } from '../../relay/limits';
import { LevelDocStore } from '../../relay/storage/LevelDocStore';
import type { DocStore } from '../../relay/storage/DocStore';
import type { UserStore } from '../../relay/auth/UserStore';

export interface RelayFixtureOptions {
  limits?: Partial<RelayLimits>;
  /** Wraps the store the relay writes through (e.g. to hold writes). */
  wrapStore?: (store: LevelDocStore) => DocStore;
  /** Users and their tokens; without, the relay is open (everyone an unchecked admin). */
  users?: UserStore;
  /** The store identity the relay tells devices (`fixture.storeId` may be changed between a stop and a start: a restore). */
  storeId?: string;
}

export interface RelayFixture {
  /** http://127.0.0.1:port, stable across restarts. */
  url: string;
  port: number;
  dir: string;
  /** The running relay (null while stopped). */
  relay: Relay | null;
  /** The store identity the next start tells devices. */
  storeId: string | undefined;
  /** Closes the relay (devices see 1001) and its store. */
  stop(): Promise<void>;
  /** Starts a new relay on the same port and folder. */
  start(): Promise<void>;
  /** What a fresh store finds on disk for `doc` (only while stopped). */
  readFromDisk(doc: string): Promise<Y.Doc>;
  /** Stops and deletes the folder. */
  cleanup(): Promise<void>;
}

export async function startRelayFixture(options: RelayFixtureOptions = {}): Promise<RelayFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tally-client-'));
  const storeDir = path.join(dir, 'docs');
  let store: LevelDocStore | null = null;
  let port = 0;
  const fixture: RelayFixture = {
    url: '',
    port: 0,
    dir,
    relay: null,
    storeId: options.storeId,
    async start() {
      if (fixture.relay) throw new Error('relay already running');
      store = await LevelDocStore.open(storeDir);
      const relayStore = options.wrapStore ? options.wrapStore(store) : store;
      fixture.relay = await createRelay({
        store: relayStore,
        port,
        ...(options.limits && { limits: options.limits }),
        ...(options.users && { users: options.users }),
        ...(fixture.storeId !== undefined && { storeId: fixture.storeId }),
      });
      port = fixture.relay.port;
      fixture.port = port;
      fixture.url = `http://127.0.0.1:${port}`;
    },
    async stop() {
      await fixture.relay?.close();
      await store?.close();
      fixture.relay = null;
      store = null;
    },
    async readFromDisk(doc) {
      if (fixture.relay) throw new Error('stop the relay before reading its folder');
      const fresh = await LevelDocStore.open(storeDir);
      try {
        const ydoc = new Y.Doc();
        for (const update of await fresh.load(doc)) Y.applyUpdate(ydoc, update);
        return ydoc;
      } finally {
        await fresh.close();
      }
    },
    async cleanup() {
      await fixture.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await fixture.start();
  return fixture;
}

/**
 * A store that can hold appends before they reach LevelDB: while held, the
 * relay has a change in memory but not on disk, which is exactly when it must
 * not acknowledge. Everything else passes straight through.
 */
export class HoldingStore implements DocStore {
  /** Appends reaching the real store, in order, with when their fsync completed. */
  readonly stored: Array<{ doc: string; at: number }> = [];
  private held: Array<() => void> = [];
  private holding = false;
  /** Number of appends waiting behind the hold. */
  get heldCount(): number {
    return this.held.length;
  }

  constructor(private readonly inner: DocStore) {}

  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    this.releaseOldest(this.held.length);
  }

  /** Lets the `n` oldest held appends through, keeping the hold for later ones. */
  releaseOldest(n: number): void {
    for (const run of this.held.splice(0, n)) run();
  }

  append(doc: string, update: Uint8Array): Promise<void> {
    const write = () =>
      this.inner.append(doc, update).then(() => {
        this.stored.push({ doc, at: performance.now() });
      });
    if (!this.holding) return write();
    return new Promise((resolve, reject) => this.held.push(() => write().then(resolve, reject)));
  }

  load(doc: string) {
    return this.inner.load(doc);
  }
  loadDurable(doc: string) {
    return this.inner.loadDurable(doc);
  }
  compact(doc: string, state: Uint8Array) {
    return this.inner.compact(doc, state);
  }
  stats(doc: string) {
    return this.inner.stats(doc);
  }
  listDocs() {
    return this.inner.listDocs();
  }
  health() {
    return this.inner.health();
  }
  onHealthChange(listener: Parameters<DocStore['onHealthChange']>[0]) {
    return this.inner.onHealthChange(listener);
  }
  flush() {
    return this.inner.flush();
  }
  close() {
    this.release();
    return this.inner.close();
  }
}
