/**
 * DurableAckBatcher: acks go out once their write is durable, one per
 * document per burst with the newest value, none for a document closed
 * meanwhile, and nothing is kept per document once its acks are settled.
 */
import { describe, expect, it } from 'vitest';
import { DurableAckBatcher } from '../../relay/net/DurableAckBatcher';

/** A write the test makes durable (or fail) when it wants. */
function write() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const durable = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { durable, resolve, reject };
}

/** Lets the promise jobs and the batcher's nextTick run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function batcher() {
  const sent: Array<[string, number]> = [];
  const acks = new DurableAckBatcher<number>((doc, n) => sent.push([doc, n]), (a, b) => a > b);
  return { acks, sent };
}

describe('DurableAckBatcher', () => {
  it('sends one ack per document per burst, with the newest change number, once durable', async () => {
    const { acks, sent } = batcher();
    const w = write();
    acks.after(w.durable, 'record:a', 1);
    acks.after(w.durable, 'record:a', 3);
    acks.after(w.durable, 'record:a', 2);
    acks.after(w.durable, 'record:b', 7);
    await settle();
    expect(sent).toEqual([]);
    w.resolve();
    await settle();
    expect(sent).toEqual([
      ['record:a', 3],
      ['record:b', 7],
    ]);
  });

  it('drops the acks of a document closed before its write was durable; a reopened copy is acknowledged anew', async () => {
    const { acks, sent } = batcher();
    const before = write();
    acks.after(before.durable, 'record:a', 5);
    acks.forget('record:a');
    const after = write();
    acks.after(after.durable, 'record:a', 1);
    before.resolve();
    await settle();
    expect(sent).toEqual([]);
    after.resolve();
    await settle();
    expect(sent).toEqual([['record:a', 1]]);
  });

  it('acknowledges nothing of a write that failed', async () => {
    const { acks, sent } = batcher();
    const w = write();
    acks.after(w.durable, 'record:a', 1);
    w.reject(new Error('store closed'));
    await settle();
    expect(sent).toEqual([]);
    expect(acks.documentsWaiting).toBe(0);
  });

  it('keeps nothing for the thousands of records a connection opened and closed', async () => {
    const { acks, sent } = batcher();
    const writes = Array.from({ length: 2_000 }, (_, i) => {
      const w = write();
      acks.after(w.durable, `record:r${i}`, 1);
      return w;
    });
    expect(acks.documentsWaiting).toBe(2_000);
    for (let i = 0; i < 2_000; i += 2) acks.forget(`record:r${i}`);
    for (const w of writes) w.resolve();
    await settle();
    expect(sent).toHaveLength(1_000);
    for (let i = 1; i < 2_000; i += 2) acks.forget(`record:r${i}`);
    expect(acks.documentsWaiting).toBe(0);
  });
});
