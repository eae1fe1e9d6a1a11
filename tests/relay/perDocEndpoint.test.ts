import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import { connectRaw, type RawClient } from '../support/rawClient';
import { eventually } from '../support/eventually';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { docFromUpdates } from '../support/muxClient';
import { readSync, syncStep1, syncUpdate } from '../support/yMessages';

describe('/sync/<doc> (stock y-websocket protocol)', () => {
  let t: TestRelay;
  const providers: WebsocketProvider[] = [];
  const clients: RawClient[] = [];
  const provider = (doc: Y.Doc, name: string): WebsocketProvider => {
    const p = new WebsocketProvider(t.wsUrl('/sync'), name, doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      maxBackoffTime: 200,
    });
    providers.push(p);
    return p;
  };
  beforeEach(async () => {
    t = await startTestRelay();
  });
  afterEach(async () => {
    for (const p of providers.splice(0)) p.destroy();
    for (const c of clients.splice(0)) c.close();
    await t.cleanup();
  });

  it("shares a provider's presence with the others and drops it when that provider leaves", async () => {
    const a = provider(new Y.Doc(), 'doc:presence');
    const b = provider(new Y.Doc(), 'doc:presence');
    a.awareness.setLocalStateField('user', { name: 'Ana, dock 3' });
    const seenByB = (): unknown => b.awareness.getStates().get(a.awareness.clientID);
    await eventually(() => (seenByB() as { user?: { name?: string } } | undefined)?.user?.name === 'Ana, dock 3', 5_000, "b sees a's presence");
    a.destroy();
    await eventually(() => seenByB() === undefined, 5_000, "a's presence removed at b");
  });

  it('lets two unmodified y-websocket providers edit one document and converge', async () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    provider(a, 'doc:shared');
    provider(b, 'doc:shared');
    a.getArray('entries').push([{ id: 'a:1', qty: 50 }]);
    b.getArray('entries').push([{ id: 'b:1', qty: 30 }]);
    const total = (d: Y.Doc): number => (d.getArray('entries').toJSON() as { qty: number }[]).reduce((s, e) => s + e.qty, 0);
    await eventually(() => total(a) === 80 && total(b) === 80, 5_000, 'both at 80');
    await eventually(async () => total(docFromUpdates(await t.store.load('doc:shared'))) === 80, 5_000, 'relay at 80');
  });

  it('sends the writer a sync step 1 with the durable state vector after the fsync', async () => {
    const c = await connectRaw(t.wsUrl('/sync/doc:ack'));
    clients.push(c);
    const doc = new Y.Doc();
    doc.getArray('entries').push([{ id: 'x:1' }]);
    c.send(syncUpdate(Y.encodeStateAsUpdate(doc)));
    const durable = await c.waitFor((m) => {
      const s = readSync(m);
      if (s?.syncType !== 0) return undefined;
      const sv = Y.decodeStateVector(s.payload);
      return sv.get(doc.clientID) === 1 ? sv : undefined;
    });
    expect(durable.get(doc.clientID)).toBe(1);
    // When that message arrived, the store already held the line.
    expect(docFromUpdates(await t.store.load('doc:ack')).getArray('entries').length).toBe(1);
  });

  it('answers a sync step 1 with what the client lacks', async () => {
    const doc = new Y.Doc();
    doc.getArray('entries').push([{ id: 'y:1' }]);
    const writer = await connectRaw(t.wsUrl('/sync/doc:step'));
    clients.push(writer);
    writer.send(syncUpdate(Y.encodeStateAsUpdate(doc)));
    await eventually(async () => (await t.store.load('doc:step')).length > 0, 5_000, 'stored');
    const reader = await connectRaw(t.wsUrl('/sync/doc:step'));
    clients.push(reader);
    reader.send(syncStep1(Y.encodeStateVector(new Y.Doc())));
    const step2 = await reader.waitFor((m) => {
      const s = readSync(m);
      return s?.syncType === 1 ? s.payload : undefined;
    });
    const copy = new Y.Doc();
    Y.applyUpdate(copy, step2);
    expect(copy.getArray('entries').toJSON()).toEqual([{ id: 'y:1' }]);
  });
});
