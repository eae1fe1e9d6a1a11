import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectRaw, type RawClient } from '../support/rawClient';
import { addUser, spawnRelay, type RelayProcess } from '../support/relayProcess';
import { applyDocFrames, openDoc, tryReadFrame } from '../support/muxClient';
import { writeChangeFrame } from '../../shared/protocol/muxMessages';

const DOCS = ['record:K0', 'record:K1', 'record:K2'];

/** Streams lines into DOCS until stopped; remembers, per doc, the highest acknowledged change. */
function streamLines(c: RawClient, user: string, device: string): { acked: Map<string, number>; lineIds: (doc: string, upTo: number) => string[]; stop: () => void } {
  const acked = new Map<string, number>();
  const docs = new Map(DOCS.map((d) => [d, new Y.Doc()]));
  const ids = new Map(DOCS.map((d) => [d, [] as string[]]));
  c.ws.on('message', (data: Buffer) => {
    const f = tryReadFrame(new Uint8Array(data));
    if (f?.type === 'ack') acked.set(f.doc, Math.max(acked.get(f.doc) ?? 0, f.changeNo));
  });
  for (const d of DOCS) openDoc(c, d);
  let n = 0;
  const timer = setInterval(() => {
    for (let burst = 0; burst < 20; burst++) {
      n++;
      const name = DOCS[n % DOCS.length]!;
      const doc = docs.get(name)!;
      const list = ids.get(name)!;
      const before = Y.encodeStateVector(doc);
      const id = `${device}:${n}`;
      doc.getArray('entries').push([{ id, kind: 'line', user, device, at: n, seq: n, item: 'SKU-1', qty: 1 }]);
      list.push(id);
      if (c.ws.readyState === c.ws.OPEN) c.send(writeChangeFrame(name, list.length, Y.encodeStateAsUpdate(doc, before)));
    }
  }, 2);
  return { acked, lineIds: (doc, upTo) => ids.get(doc)!.slice(0, upTo), stop: () => clearInterval(timer) };
}

async function readBack(relay: RelayProcess, doc: string, token: string): Promise<string[]> {
  const c = await connectRaw(`ws://127.0.0.1:${relay.port}/mux?token=${token}`);
  const y = new Y.Doc();
  applyDocFrames(c, doc, y);
  openDoc(c, doc);
  await c.waitFor((m) => {
    const f = tryReadFrame(m);
    return f?.type === 'doc' && f.doc === doc && f.message[1] === 1 ? true : undefined;
  });
  c.close();
  return (y.getArray('entries').toJSON() as { id: string }[]).map((e) => e.id);
}

describe('relay process', () => {
  let dir = '';
  let relay: RelayProcess | undefined;
  afterEach(async () => {
    relay?.child.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loses nothing it acknowledged when SIGKILLed mid-stream, three times over', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-crash-'));
    const { token, id: user } = await addUser(dir, 'ann', 'crew');
    for (let round = 0; round < 3; round++) {
      relay = await spawnRelay(dir);
      const device = `round${round}`;
      const c = await connectRaw(`ws://127.0.0.1:${relay.port}/mux?token=${token}&device=${device}`);
      const stream = streamLines(c, user, device);
      // Kill at a different moment each round, once acks are flowing.
      const wanted = 50 + round * 150;
      await c.waitFor((m) => {
        const f = tryReadFrame(m);
        return f?.type === 'ack' && f.changeNo >= wanted ? true : undefined;
      }, 20_000);
      relay.child.kill('SIGKILL');
      stream.stop();
      await relay.exited;
      c.close();

      relay = await spawnRelay(dir);
      for (const doc of DOCS) {
        const stored = await readBack(relay, doc, token);
        const mustHave = stream.lineIds(doc, stream.acked.get(doc) ?? 0);
        const storedSet = new Set(stored);
        expect(mustHave.filter((id) => !storedSet.has(id))).toEqual([]);
        expect(storedSet.size).toBe(stored.length);
      }
      relay.child.kill('SIGKILL');
      await relay.exited;
    }
  }, 120_000);

  it('flushes and exits 0 on SIGTERM', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-term-'));
    const { token, id: user } = await addUser(dir, 'ann', 'crew');
    relay = await spawnRelay(dir);
    const c = await connectRaw(`ws://127.0.0.1:${relay.port}/mux?token=${token}&device=term`);
    const stream = streamLines(c, user, 'term');
    await c.waitFor((m) => (tryReadFrame(m)?.type === 'ack' ? true : undefined), 20_000);
    relay.child.kill('SIGTERM');
    const { code } = await relay.exited;
    stream.stop();
    expect(code).toBe(0);
    expect((await c.closed).code).toBe(1001);
    relay = await spawnRelay(dir);
    for (const doc of DOCS) {
      const stored = new Set(await readBack(relay, doc, token));
      expect(stream.lineIds(doc, stream.acked.get(doc) ?? 0).every((id) => stored.has(id))).toBe(true);
    }
  }, 60_000);
});
