/**
 * The ring a backup worker hands its archive through (backupRing.ts), over a
 * real MessageChannel: bytes arrive whole and in order, however they were
 * cut into writes, and no more than RING_SLOTS slots are ever out at once
 * (the writer waits for one to come back).
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { RING_SLOTS, RingWriter, SLOT_BYTES, askToRead, type FromBackupWorker, type ToBackupWorker } from '../../relay/backup/backupRing';

/** The relay's end: copies each slot out, and hands it back when `release` says so. */
function reader(port: MessagePort, ring: SharedArrayBuffer, release: (give: () => void) => void) {
  const got: Buffer[] = [];
  let out = 0;
  let mostOut = 0;
  let ended = false;
  port.on('message', (m: FromBackupWorker) => {
    if (m.kind === 'bytes') {
      out += 1;
      mostOut = Math.max(mostOut, out);
      got.push(Buffer.from(new Uint8Array(ring, m.slot * SLOT_BYTES, m.length)));
      release(() => {
        out -= 1;
        port.postMessage({ kind: 'free', slot: m.slot } satisfies ToBackupWorker);
      });
    }
    if (m.kind === 'end') ended = true;
  });
  return { bytes: () => Buffer.concat(got), mostOut: () => mostOut, ended: () => ended };
}

const pattern = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + (i >> 8)) & 0xff));

describe('the backup ring', () => {
  it.each([
    ['one small write', [100]],
    ['writes that end exactly on slot edges', [SLOT_BYTES, SLOT_BYTES]],
    ['writes across slot edges', [SLOT_BYTES - 1, 3, SLOT_BYTES * 2 + 5]],
    ['many tar-sized pieces', Array.from({ length: 3000 }, (_, i) => (i % 2 ? 512 : 700))],
  ])('%s arrive whole and in order', async (_name, sizes) => {
    const { port1, port2 } = new MessageChannel();
    const ring = new SharedArrayBuffer(RING_SLOTS * SLOT_BYTES);
    const relay = reader(port2, ring, (give) => give());
    const all = pattern(sizes.reduce((a, b) => a + b, 0));
    const writer = new RingWriter(ring, port1);
    let at = 0;
    for (const n of sizes) {
      if (!writer.write(all.subarray(at, at + n))) await new Promise((r) => writer.once('drain', r));
      at += n;
    }
    await new Promise<void>((resolve) => writer.end(resolve));
    await expect.poll(() => relay.ended()).toBe(true);
    expect(relay.bytes().equals(all)).toBe(true);
    port1.close();
  });

  it('waits for a slot to come back once all are out', async () => {
    const { port1, port2 } = new MessageChannel();
    const ring = new SharedArrayBuffer(RING_SLOTS * SLOT_BYTES);
    const held: Array<() => void> = [];
    const relay = reader(port2, ring, (give) => held.push(give));
    const writer = new RingWriter(ring, port1);
    const all = pattern(SLOT_BYTES * (RING_SLOTS + 2));
    let written = false;
    writer.end(all, () => (written = true));
    await expect.poll(() => held.length).toBe(RING_SLOTS);
    await new Promise((r) => setTimeout(r, 50));
    expect(held.length).toBe(RING_SLOTS);
    expect(written).toBe(false);
    for (const give of held.splice(0)) give();
    await expect.poll(() => relay.ended()).toBe(true);
    for (const give of held.splice(0)) give();
    expect(relay.mostOut()).toBe(RING_SLOTS);
    expect(relay.bytes().equals(all)).toBe(true);
    port1.close();
  });

  it('asks before each read and goes on when told', async () => {
    const { port1, port2 } = new MessageChannel();
    const asked: number[] = [];
    port2.on('message', (m: FromBackupWorker) => {
      if (m.kind === 'mayRead') asked.push(Date.now());
    });
    const mayRead = askToRead(port1);
    let allowed = false;
    const waiting = mayRead().then(() => (allowed = true));
    await expect.poll(() => asked.length).toBe(1);
    expect(allowed).toBe(false);
    port2.postMessage({ kind: 'read' } satisfies ToBackupWorker);
    await waiting;
    expect(allowed).toBe(true);
    port1.close();
  });
});
