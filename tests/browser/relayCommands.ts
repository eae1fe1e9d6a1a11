/**
 * Browser commands (run in Node, called from tests in Chromium) that stop,
 * start and inspect the real relay of the browser tests. Registered in the
 * browser project of vitest.config.ts.
 */
import type { BrowserCommand } from 'vitest/node';
import { browserRelay } from './browserRelay';

/** Closes the relay; devices see their socket close. */
const stopRelay: BrowserCommand<[]> = async () => {
  await browserRelay().stop();
};

/** Starts the relay again on the same port and folder. */
const startRelay: BrowserCommand<[]> = async () => {
  await browserRelay().start();
};

/**
 * Every update the relay's store holds on disk for `doc`, base64-encoded (the
 * browser decodes them with its own Yjs; the config stays free of Yjs).
 */
const relayStoredUpdates: BrowserCommand<[doc: string]> = async (_context, doc) => {
  const store = browserRelay().store;
  if (!store) throw new Error('relay is stopped');
  return (await store.load(doc)).map((update) => Buffer.from(update).toString('base64'));
};

/** The commands, keyed as tests call them through `commands` from 'vitest/browser'. */
export const relayCommands = { stopRelay, startRelay, relayStoredUpdates };

declare module 'vitest/browser' {
  interface BrowserCommands {
    stopRelay: () => Promise<void>;
    startRelay: () => Promise<void>;
    relayStoredUpdates: (doc: string) => Promise<string[]>;
  }
}
