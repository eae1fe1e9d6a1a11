/**
 * A device as the relay sees it, built from raw frames: one mux socket, a Y.Doc
 * per record, the device's change numbers, and the model's writers. Honest
 * devices write with it; attackers use `sendRaw` for whatever bytes they like.
 */
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { connectRaw, type RawClient } from './rawClient';
import { applyDocFrames, openDoc, tryReadFrame, waitAck } from './muxClient';
import { writeChangeFrame, type MuxFrame } from '../../shared/protocol/muxMessages';
import { createAuthor, type Author } from '../../shared/model/author';
import type { SiteUser } from './siteUsers';
import { readSync } from './yMessages';

export interface RawDevice {
  readonly c: RawClient;
  readonly user: SiteUser;
  readonly device: string;
  readonly author: Author;
  /** The device's copy of `doc` (opened on first use, fed by the relay). */
  docOf(doc: string): Y.Doc;
  /** Opens `doc` and resolves once the relay has sent what it holds of it. */
  open(doc: string): Promise<Y.Doc>;
  /** Makes `change` on the device's copy of `doc`, sends it as one change and waits for its ack. */
  write(doc: string, change: (d: Y.Doc, author: Author) => void): Promise<void>;
  /** Sends `update` as the next change of `doc` without waiting; resolves with the relay's answer (ack or error frame). */
  sendRaw(doc: string, update: Uint8Array): Promise<MuxFrame>;
  close(): void;
}

/** Connects `user` as device `device` over `/mux` at `wsUrl`. */
export async function connectDevice(wsUrl: (path: string) => string, user: SiteUser, device: string): Promise<RawDevice> {
  const c = await connectRaw(wsUrl(`/mux?token=${user.token}&device=${device}`));
  const author = createAuthor({ user: user.id, device, firstSeq: 1 });
  const docs = new Map<string, Y.Doc>();
  const changeNos = new Map<string, number>();
  const nextChange = (doc: string): number => {
    const n = (changeNos.get(doc) ?? 0) + 1;
    changeNos.set(doc, n);
    return n;
  };
  const docOf = (name: string): Y.Doc => {
    let doc = docs.get(name);
    if (!doc) {
      doc = new Y.Doc();
      docs.set(name, doc);
      applyDocFrames(c, name, doc);
      openDoc(c, name);
    }
    return doc;
  };
  const answerTo = (doc: string, changeNo: number, earlier: ReadonlySet<Uint8Array>): Promise<MuxFrame> =>
    c.waitFor((m) => {
      if (earlier.has(m)) return undefined;
      const f = tryReadFrame(m);
      if (f?.type === 'ack' && f.doc === doc && f.changeNo >= changeNo) return f;
      if (f?.type === 'error' && f.doc === doc) return f;
      return undefined;
    }, 10_000);
  return {
    c,
    user,
    device,
    author,
    docOf,
    async open(name) {
      const doc = docOf(name);
      await c.waitFor((m) => {
        const f = tryReadFrame(m);
        return f?.type === 'doc' && f.doc === name && readSync(f.message)?.syncType === 1 ? true : undefined;
      }, 10_000);
      return doc;
    },
    async write(name, change) {
      const doc = docOf(name);
      const parts: Uint8Array[] = [];
      const keep = (u: Uint8Array, origin: unknown): void => {
        if (origin !== 'relay') parts.push(u);
      };
      doc.on('update', keep);
      change(doc, author);
      doc.off('update', keep);
      const changeNo = nextChange(name);
      c.send(writeChangeFrame(name, changeNo, Y.mergeUpdates(parts)));
      await waitAck(c, name, changeNo);
    },
    sendRaw(name, update) {
      docOf(name);
      const changeNo = nextChange(name);
      const answer = answerTo(name, changeNo, new Set(c.received));
      c.send(writeChangeFrame(name, changeNo, update));
      return answer;
    },
    close: () => c.close(),
  };
}

/** The next clock of Yjs client `client` in `doc` (what its next struct would carry). */
export function nextClock(doc: Y.Doc, client: number): number {
  return Y.getState(doc.store, client);
}

/** A hand-built update holding one GC struct of `length` for `client` at `clock`, and no deletions. */
export function gcStructUpdate(client: number, clock: number, length: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1); // clients
  encoding.writeVarUint(e, 1); // structs of this client
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, clock);
  encoding.writeUint8(e, 0); // GC
  encoding.writeVarUint(e, length);
  encoding.writeVarUint(e, 0); // empty delete set
  return encoding.toUint8Array(e);
}

/** The update that writes `change` into a copy of `doc` under Yjs client id `client`. */
export function updateAs(doc: Y.Doc, client: number, change: (copy: Y.Doc) => void): Uint8Array {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  // Set after the state is in: Yjs gives a document a new id when a remote update writes under its own.
  copy.clientID = client;
  const before = Y.encodeStateVector(copy);
  change(copy);
  return Y.encodeStateAsUpdate(copy, before);
}

/** The id of the last item of `doc`'s top-level array `root` (what an append there names as its left origin). */
export function lastItemId(doc: Y.Doc, root: string): Y.ID | null {
  let item = doc.getArray(root)._start;
  let last: Y.Item | null = null;
  for (; item !== null; item = item.right) last = item;
  return last === null ? null : Y.createID(last.id.client, last.id.clock + last.length - 1);
}

/**
 * A hand-built update appending `values` to a top-level array after `origin`,
 * as the struct of Yjs client `client` at `clock` (its first by default): cheap to make by the thousand,
 * whatever the size of the document it lands in.
 */
export function appendUpdate(client: number, origin: Y.ID, values: unknown[], clock = 0): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1); // clients
  encoding.writeVarUint(e, 1); // structs of this client
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, clock); // past 0 for a client nobody wrote under: a gap
  encoding.writeUint8(e, 8 | 0x80); // ContentAny, with a left origin
  encoding.writeVarUint(e, origin.client);
  encoding.writeVarUint(e, origin.clock);
  encoding.writeVarUint(e, values.length);
  for (const v of values) encoding.writeAny(e, v as never);
  encoding.writeVarUint(e, 0); // empty delete set
  return encoding.toUint8Array(e);
}
