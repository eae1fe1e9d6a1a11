/**
 * The relay the browser tests talk to: a real relay with a real LevelDocStore
 * in a temp folder, run in Node by the global setup. Browser tests drive it
 * through the commands in relayCommands.ts. Vitest loads the config (where
 * commands live) and the global setup as separate module instances in one
 * process, so the running relay is shared through a global symbol.
 */
import type { Relay } from '../../relay/createRelay';
import type { DocStore } from '../../relay/storage/DocStore';

/** Control over the browser tests' relay. */
export interface BrowserRelay {
  /** http://127.0.0.1:port, stable across restarts. */
  readonly url: string;
  readonly relay: Relay | null;
  readonly store: DocStore | null;
  /** Closes the relay and its store (devices see 1001). */
  stop(): Promise<void>;
  /** Starts a new relay on the same port and folder. */
  start(): Promise<void>;
}

const KEY = Symbol.for('tally.tests.browserRelay');

/** Makes `relay` the one the commands drive. */
export function registerBrowserRelay(relay: BrowserRelay | null): void {
  (globalThis as Record<symbol, unknown>)[KEY] = relay;
}

/** The running browser-test relay; throws if the global setup has not started it. */
export function browserRelay(): BrowserRelay {
  const relay = (globalThis as Record<symbol, unknown>)[KEY] as BrowserRelay | null | undefined;
  if (!relay) throw new Error('the browser-test relay is not running (tests/browser/relayGlobalSetup.ts)');
  return relay;
}
