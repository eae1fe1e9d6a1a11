/**
 * The device's send log over a memory store: a ring of 1,000 attempts, each
 * answered by what the relay (or the watchdog, or the socket) said, written
 * in batches, and read back after a reload.
 */
import { describe, expect, it } from 'vitest';
import { MemorySendLogStore, SendLog } from '../../client/sync/SendLog';
import { eventually } from '../support/eventually';

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** A log whose batches are written only when a test flushes. */
async function openLog(store = new MemorySendLogStore(), c = clock()) {
  const log = new SendLog({ store, now: c.now, flushMs: 60_000 });
  await log.whenLoaded;
  return { log, store, c };
}

describe('SendLog', () => {
  describe('answers', () => {
    it('an ack answers every waiting attempt of the document up to its change number, and no other', async () => {
      const { log, c } = await openLog();
      log.sent('record:A', 1, 10, 1_000);
      log.sent('record:A', 2, 20, 1_000);
      log.sent('record:A', 3, 30, 1_000);
      log.sent('record:B', 1, 40, null);
      c.advance(25);
      log.acked('record:A', 2);
      const byKey = Object.fromEntries(log.entries().map((a) => [`${a.doc}#${a.changeNo}`, a]));
      expect(byKey['record:A#1']).toMatchObject({ result: 'acked', resultAt: 1_025 });
      expect(byKey['record:A#2']).toMatchObject({ result: 'acked', resultAt: 1_025 });
      expect(byKey['record:A#3']).toMatchObject({ result: 'sent', resultAt: null });
      expect(byKey['record:B#1']).toMatchObject({ result: 'sent', changeAt: null, bytes: 40 });
    });

    it('a timed-out attempt keeps when it timed out once an ack comes', async () => {
      const { log, c } = await openLog();
      log.sent('record:A', 1, 10, 1_000);
      c.advance(30_000);
      log.timedOut('record:A');
      expect(log.entries()[0]).toMatchObject({ result: 'timedOut', timedOutAt: 31_000 });
      c.advance(5_000);
      log.acked('record:A', 1);
      expect(log.entries()[0]).toMatchObject({ result: 'acked', resultAt: 36_000, timedOutAt: 31_000 });
    });

    it('a refusal and a lost connection end every waiting attempt of that document; later attempts are new', async () => {
      const { log } = await openLog();
      log.sent('record:A', 1, 10, 1_000);
      log.refused('record:A', 3, 'auditor may not write');
      log.sent('record:B', 1, 10, 1_000);
      log.disconnected('record:B');
      log.sent('record:B', 1, 10, 1_000);
      log.acked('record:B', 1);
      expect(log.entries().map((a) => [a.doc, a.result, a.code, a.reason])).toEqual([
        ['record:A', 'refused', 3, 'auditor may not write'],
        ['record:B', 'disconnected', null, null],
        ['record:B', 'acked', null, null],
      ]);
      // A late ack of the refused document changes nothing.
      log.acked('record:A', 1);
      expect(log.entries()[0]?.result).toBe('refused');
    });
  });

  describe('the ring', () => {
    it('keeps the newest 1,000 attempts in 1,000 slots, and forgets waiting attempts it pushed out', async () => {
      const { log, store } = await openLog();
      for (let i = 1; i <= 1_200; i++) log.sent(`record:R-${i % 7}`, i, 10, 1_000);
      await log.flush();
      const held = log.entries();
      expect(held).toHaveLength(1_000);
      expect(held[0]?.id).toBe(200);
      expect(held.at(-1)?.id).toBe(1_199);
      expect(store.slots.size).toBe(1_000);
      // The attempts pushed out are no longer answered: the ack reaches only the ones held.
      log.acked('record:R-1', 1_200);
      expect(log.entries().filter((a) => a.result === 'acked')).toHaveLength(held.filter((a) => a.doc === 'record:R-1').length);
    });
  });

  describe('writes', () => {
    it('writes a burst of attempts and answers as one batch, after the delay, not one write per attempt', async () => {
      const c = clock();
      const store = new MemorySendLogStore();
      const log = new SendLog({ store, now: c.now, flushMs: 20 });
      await log.whenLoaded;
      for (let i = 1; i <= 200; i++) {
        log.sent('record:A', i, 10, 1_000);
        log.acked('record:A', i);
      }
      expect(store.writes).toBe(0);
      expect(log.hasTimer).toBe(true);
      await eventually(() => store.writes > 0, 5_000, 'the batch write');
      expect(store.writes).toBe(1);
      expect([...store.slots.values()].every((a) => a.result === 'acked')).toBe(true);
      await log.destroy();
      expect(log.hasTimer).toBe(false);
    });

    it('a new log over the same store (a reload) holds what was written and numbers new attempts after it', async () => {
      const store = new MemorySendLogStore();
      const first = await openLog(store);
      for (let i = 1; i <= 5; i++) first.log.sent('record:A', i, 10, 1_000);
      first.log.acked('record:A', 3);
      await first.log.destroy();

      // Attempts made before the stored log is read are numbered after it.
      const second = new SendLog({ store, flushMs: 60_000 });
      second.sent('record:B', 1, 10, null);
      await second.whenLoaded;
      expect(second.entries().map((a) => [a.id, a.doc, a.changeNo, a.result])).toEqual([
        [0, 'record:A', 1, 'acked'],
        [1, 'record:A', 2, 'acked'],
        [2, 'record:A', 3, 'acked'],
        [3, 'record:A', 4, 'sent'],
        [4, 'record:A', 5, 'sent'],
        [5, 'record:B', 1, 'sent'],
      ]);
      await second.destroy();
      expect((await store.load()).map((a) => a.id).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it('a re-send after a reload takes the time of its change from an earlier attempt that carried it', async () => {
      const store = new MemorySendLogStore();
      const first = await openLog(store);
      first.log.sent('record:A', 4, 10, 777);
      first.log.disconnected('record:A');
      await first.log.destroy();
      const second = await openLog(store);
      second.log.sent('record:A', 4, 12, null);
      second.log.sent('record:A', 5, 12, null);
      expect(second.log.entries().map((a) => a.changeAt)).toEqual([777, 777, null]);
    });

    it('summarizes what it holds', async () => {
      const { log } = await openLog();
      log.sent('record:A', 1, 10, 1_000);
      log.sent('record:B', 1, 10, 1_000);
      log.acked('record:A', 1);
      expect(log.summary()).toMatchObject({ attempts: 2, lastHour: { acked: 1, waiting: 1 }, oldestUnacked: { doc: 'record:B', changeNo: 1 } });
    });
  });
});
