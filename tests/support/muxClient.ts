/** Helpers for talking the mux protocol with a RawClient in relay tests. */
import * as Y from 'yjs';
import type { DocStore } from '../../relay/storage/DocStore';
import { readMuxFrame, writeChangeFrame, writeDocFrame, type MuxFrame } from '../../shared/protocol/muxMessages';
import type { RawClient } from './rawClient';
import { readSync, syncStep1 } from './yMessages';

export function tryReadFrame(msg: Uint8Array): MuxFrame | undefined {
  try {
    return readMuxFrame(msg);
  } catch {
    return undefined;
  }
}

/** Opens `doc` on a mux connection (sync step 1 with an empty state vector). */
export function openDoc(c: RawClient, doc: string, stateVector = Y.encodeStateVector(new Y.Doc())): void {
  c.send(writeDocFrame(doc, syncStep1(stateVector)));
}

/** Sends a change and resolves when the relay acknowledges `changeNo` or later for `doc`. */
export async function sendChangeAndWaitAck(c: RawClient, doc: string, changeNo: number, update: Uint8Array): Promise<void> {
  c.send(writeChangeFrame(doc, changeNo, update));
  await waitAck(c, doc, changeNo);
}

export function waitAck(c: RawClient, doc: string, changeNo: number, timeoutMs?: number): Promise<MuxFrame> {
  return c.waitFor((m) => {
    const f = tryReadFrame(m);
    return f?.type === 'ack' && f.doc === doc && f.changeNo >= changeNo ? f : undefined;
  }, timeoutMs);
}

/** Applies every doc frame for `doc` received so far (and later, while attached) to `ydoc`. */
export function applyDocFrames(c: RawClient, doc: string, ydoc: Y.Doc): () => void {
  let seen = 0;
  const drain = (): void => {
    for (; seen < c.received.length; seen++) {
      const f = tryReadFrame(c.received[seen]!);
      if (f?.type !== 'doc' || f.doc !== doc) continue;
      const s = readSync(f.message);
      if (s && s.syncType !== 0) Y.applyUpdate(ydoc, s.payload, 'relay');
    }
  };
  drain();
  const onMessage = (): void => drain();
  c.ws.on('message', onMessage);
  return () => c.ws.off('message', onMessage);
}

/** Reads what the relay's store holds for `doc` as a fresh Y.Doc. */
export function docFromUpdates(updates: Uint8Array[]): Y.Doc {
  const d = new Y.Doc();
  for (const u of updates) Y.applyUpdate(d, u);
  return d;
}

/** The ids of the entries `store` holds for `doc`, in order. */
export async function storedEntryIds(store: Pick<DocStore, 'load'>, doc: string): Promise<string[]> {
  return docFromUpdates(await store.load(doc))
    .getArray('entries')
    .toJSON()
    .map((e) => (e as { id: string }).id);
}
