import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import net from 'node:net';
import { connectRaw, type RawClient } from '../support/rawClient';
import { eventually } from '../support/eventually';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { docFromUpdates, openDoc, sendChangeAndWaitAck } from '../support/muxClient';
import { writeAckFrame, writeChangeFrame, writeDocFrame } from '../../shared/protocol/muxMessages';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { syncStep1, syncUpdate } from '../support/yMessages';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('bad input', () => {
  let t: TestRelay;
  const clients: RawClient[] = [];
  const connect = async (path = '/mux'): Promise<RawClient> => {
    const c = await connectRaw(t.wsUrl(path));
    clients.push(c);
    return c;
  };
  beforeEach(async () => {
    t = await startTestRelay({ limits: { maxMessageBytes: 64 * 1024, maxBufferedBytes: 256 * 1024, maxDocsPerConnection: 10 } });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t.cleanup();
  });

  /** After each attack: the store still holds the honest line and an honest client still syncs. */
  async function honestClientStillSyncs(): Promise<void> {
    const c = await connect();
    const doc = new Y.Doc();
    doc.getArray('entries').push([{ id: 'honest:1' }]);
    openDoc(c, 'doc:honest');
    await sendChangeAndWaitAck(c, 'doc:honest', 1, Y.encodeStateAsUpdate(doc));
    const stored = docFromUpdates(await t.store.load('doc:honest'));
    expect(stored.getArray('entries').toJSON()).toEqual([{ id: 'honest:1' }]);
  }

  it.each([
    ['an empty frame', '', CloseCode.malformed.code],
    ['a truncated varint', 'ff', CloseCode.malformed.code],
    ['a doc frame with a truncated name', '00 05 61 62', CloseCode.malformed.code],
    ['a change frame without its update', '01 08 72 65 63 6f 72 64 3a 61 01', CloseCode.malformed.code],
    ['trailing bytes after a closeDoc frame', '03 01 61 00', CloseCode.malformed.code],
    ['an unknown frame type', '2a', CloseCode.unknownType.code],
    ['an ack frame sent by a device', Buffer.from(writeAckFrame('doc:a', 1)).toString('hex'), CloseCode.unknownType.code],
  ])('closes the socket on %s', async (_what, bytes, code) => {
    const c = await connect();
    c.send(hex(bytes));
    expect((await c.closed).code).toBe(code);
    await honestClientStillSyncs();
  });

  it('closes with 4400 on a text frame', async () => {
    const c = await connect();
    c.send('hello');
    expect(await c.closed).toMatchObject({ code: CloseCode.malformed.code });
  });

  it('closes with 4400 on an update that is not a Yjs update', async () => {
    const c = await connect();
    c.send(writeChangeFrame('doc:junk', 1, hex('ff ff ff ff 0f 01 02')));
    expect((await c.closed).code).toBe(CloseCode.malformed.code);
    await honestClientStillSyncs();
  });

  it('closes with 4415 on an unknown y-websocket message type inside a doc frame', async () => {
    const c = await connect();
    c.send(writeDocFrame('doc:x', hex('09')));
    expect((await c.closed).code).toBe(CloseCode.unknownType.code);
  });

  it('closes with 4413 on an oversized message and stores nothing of it', async () => {
    const c = await connect();
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'x'.repeat(70 * 1024));
    c.send(writeChangeFrame('doc:big', 1, Y.encodeStateAsUpdate(doc)));
    expect((await c.closed).code).toBe(CloseCode.tooLarge.code);
    expect(await t.store.load('doc:big')).toEqual([]);
    await honestClientStillSyncs();
  });

  it('closes with 4404 on an invalid document name in the URL', async () => {
    const c = await connect('/sync/..%2Fetc');
    expect((await c.closed).code).toBe(CloseCode.badDocName.code);
  });

  it('answers an invalid document name on /mux with an error frame, not a close', async () => {
    const c = await connect();
    c.send(writeDocFrame('bad name with spaces', syncUpdate(new Uint8Array([0, 0]))));
    await honestClientStillSyncs();
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });

  it('closes with 4429 when one connection opens too many documents', async () => {
    const c = await connect();
    for (let i = 0; i < 11; i++) openDoc(c, `doc:many${i}`);
    expect((await c.closed).code).toBe(CloseCode.tooManyDocs.code);
  });

  it('disconnects a client that stops reading, logs it, and keeps serving the others', async () => {
    // A raw TCP client that completes the WebSocket handshake and then never reads.
    const port = t.relay.port;
    const stalled = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
    const key = Buffer.from('0123456789abcdef').toString('base64');
    // Open doc:flood with a masked sync step 1 frame so the relay subscribes this socket.
    const payload = Buffer.from(writeDocFrame('doc:flood', syncStep1(Y.encodeStateVector(new Y.Doc()))));
    const mask = Buffer.from([1, 2, 3, 4]);
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
    stalled.write(
      `GET /mux HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    stalled.write(Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), mask, masked]));
    stalled.pause();
    await eventually(() => t.relay.stats().connections === 1, 5_000, 'stalled client connected');

    const writer = await connect();
    openDoc(writer, 'doc:flood');
    const doc = new Y.Doc();
    const text = doc.getText('t');
    let n = 0;
    // Each update is broadcast to the stalled socket until its backlog passes the limit.
    while (t.relay.stats().connections === 2 && n < 5_000) {
      const before = Y.encodeStateVector(doc);
      text.insert(text.length, 'y'.repeat(4_000));
      writer.send(writeChangeFrame('doc:flood', ++n, Y.encodeStateAsUpdate(doc, before)));
      if (n % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    await eventually(() => t.relay.stats().connections === 1, 10_000, 'the stalled client to be dropped');
    expect(t.logs.some((l) => (l.obj as { code?: number }).code === CloseCode.slowConsumer.code)).toBe(true);
    stalled.destroy();
    await honestClientStillSyncs();
  });
});
