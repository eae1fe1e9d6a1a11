import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectRaw, type RawClient } from '../support/rawClient';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { docFromUpdates, openDoc, sendChangeAndWaitAck, tryReadFrame, waitAck } from '../support/muxClient';
import { writeChangeFrame } from '../../shared/protocol/muxMessages';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fillUp, mountTmpfs, type Tmpfs } from '../support/tmpfs';

function line(doc: Y.Doc, id: string): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.getArray('entries').push([{ id, note: 'x'.repeat(2_000) }]);
  return Y.encodeStateAsUpdate(doc, before);
}

describe('a full disk under the relay', () => {
  let disk: Tmpfs | undefined;
  const filler = (): string => path.join(disk!.dir, 'filler');
  let t: TestRelay | undefined;
  let c: RawClient | undefined;
  afterEach(async () => {
    c?.close();
    if (disk) await rm(filler(), { force: true });
    await t?.cleanup();
    disk?.remove();
  });

  it('acknowledges nothing, tells the client and /healthz, and acknowledges once space is back', async () => {
    disk = mountTmpfs(2048);
    t = await startTestRelay({ dir: disk.dir });
    c = await connectRaw(t.wsUrl('/mux'));
    const doc = new Y.Doc();
    openDoc(c, 'doc:full');
    await sendChangeAndWaitAck(c, 'doc:full', 1, line(doc, 'd:1'));

    fillUp(filler());
    c.send(writeChangeFrame('doc:full', 2, line(doc, 'd:2')));
    const failing = await c.waitFor((m) => {
      const f = tryReadFrame(m);
      return f?.type === 'status' && !f.storageOk ? f : undefined;
    });
    expect(failing.detail).toMatch(/ENOSPC|space/i);
    const health = await fetch(`${t.relay.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ok: false });
    expect(c.received.some((m) => {
      const f = tryReadFrame(m);
      return f?.type === 'ack' && f.changeNo >= 2;
    })).toBe(false);

    await rm(filler());
    await waitAck(c, 'doc:full', 2, 15_000);
    expect((await fetch(`${t.relay.url}/healthz`)).status).toBe(200);
    await c.waitFor((m) => {
      const f = tryReadFrame(m);
      return f?.type === 'status' && f.storageOk ? f : undefined;
    });

    await t.restart();
    const ids = (docFromUpdates(await t.store.load('doc:full')).getArray('entries').toJSON() as { id: string }[]).map((e) => e.id);
    expect(ids).toEqual(['d:1', 'd:2']);
  });
});
