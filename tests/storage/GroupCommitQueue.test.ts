import { describe, expect, it } from 'vitest';
import { GroupCommitQueue, WritesAbandonedError, type QueuedWrite } from '../../relay/storage/GroupCommitQueue';
import type { StoreHealth } from '../../relay/storage/DocStore';
import { RecordingLog } from './support/recordingLog';
import { eventually } from '../support/eventually';

/** A promise with its resolve function, to hold a batch "on disk" until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Resolves in the next turn of the event loop, after the queue started the batch of this one. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function op(value: string): QueuedWrite<string> {
  return { prepare: () => [value] };
}

/** A queue over a fake disk that records each batch and can be told to fail or hang. */
function fakeDisk(options: { failures?: Error[]; hold?: Promise<void>; gatherAfterWrites?: number } = {}) {
  const batches: string[][] = [];
  const failures = [...(options.failures ?? [])];
  const log = new RecordingLog();
  let hold = options.hold;
  const queue = new GroupCommitQueue<string>({
    writeBatch: async (ops) => {
      if (hold) {
        const h = hold;
        hold = undefined;
        await h;
      }
      const failure = failures.shift();
      if (failure) throw failure;
      batches.push(ops);
    },
    retryDelayMs: 1,
    maxRetryDelayMs: 4,
    gatherAfterWrites: options.gatherAfterWrites,
    log,
  });
  return { queue, batches, log };
}

describe('GroupCommitQueue', () => {
  describe('push', () => {
    it('writes what is pushed in one tick as one batch, in order', async () => {
      const { queue, batches } = fakeDisk();
      await Promise.all(['a', 'b', 'c'].map((v) => queue.push(op(v))));
      expect(batches).toEqual([['a', 'b', 'c']]);
      expect(queue.batchesWritten).toBe(1);
    });

    it('writes pushed in one turn of the loop share the first batch, also across microtask checkpoints', async () => {
      // Each socket read of a poll phase is its own callback, with the microtasks it queued run after it.
      const { queue, batches } = fakeDisk();
      const first = queue.push(op('a'));
      await Promise.resolve();
      const second = queue.push(op('b'));
      await Promise.all([first, second]);
      expect(batches).toEqual([['a', 'b']]);
    });

    it('groups writes that arrive while a batch is in flight into the next batch', async () => {
      const disk = gate();
      const { queue, batches } = fakeDisk({ hold: disk.promise });
      const first = queue.push(op('a'));
      await nextTurn();
      const later = ['b', 'c', 'd'].map((v) => queue.push(op(v)));
      disk.open();
      await Promise.all([first, ...later]);
      expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
    });

    it.each([
      ['after a batch as large as gatherAfterWrites, the next one waits for the rest of the turn of the loop', 2, [['a', 'b'], ['c', 'd']]],
      ['after a smaller batch, the next one starts at once', 3, [['a', 'b'], ['c'], ['d']]],
    ])('%s', async (_what, gatherAfterWrites, expected) => {
      // One write waits behind the batch in flight; another arrives later in the turn of the loop that batch ends in.
      const disk = gate();
      const { queue, batches } = fakeDisk({ hold: disk.promise, gatherAfterWrites });
      const written = [queue.push(op('a')), queue.push(op('b'))];
      await nextTurn();
      written.push(queue.push(op('c')));
      disk.open();
      const later = new Promise<void>((resolve, reject) => setImmediate(() => queue.push(op('d')).then(resolve, reject)));
      await Promise.all([...written, later]);
      expect(batches).toEqual(expected);
    });

    it('resolves writes only once their batch is written, in push order', async () => {
      const disk = gate();
      const { queue } = fakeDisk({ hold: disk.promise });
      const resolved: string[] = [];
      const writes = ['a', 'b', 'c'].map((v) => queue.push(op(v)).then(() => resolved.push(v)));
      await new Promise((resolve) => setImmediate(resolve));
      expect(resolved).toEqual([]);
      expect(queue.health().pendingWrites).toBe(3);
      disk.open();
      await Promise.all(writes);
      expect(resolved).toEqual(['a', 'b', 'c']);
    });

    it('prepares each write once, in push order, starting async prepares together', async () => {
      const { queue, batches } = fakeDisk();
      const started: string[] = [];
      const slow = gate();
      const writes = [
        queue.push({ prepare: () => (started.push('a'), slow.promise.then(() => ['a'])) }),
        queue.push({ prepare: () => (started.push('b'), ['b']) }),
        queue.push({ prepare: async () => (started.push('c'), ['c']) }),
      ];
      await eventually(() => started.length === 3, 10_000, 'every prepare to start');
      slow.open();
      await Promise.all(writes);
      expect(started).toEqual(['a', 'b', 'c']);
      expect(batches).toEqual([['a', 'b', 'c']]);
    });
  });

  describe('failures', () => {
    it('retries a failing batch until it succeeds, holding later writes behind it', async () => {
      const enospc = Object.assign(new Error('No space left on device'), { code: 'ENOSPC' });
      const { queue, batches, log } = fakeDisk({ failures: [enospc, enospc, enospc] });
      const seen: StoreHealth[] = [];
      // Waited on as the event it is: the retries (1-4 ms) can recover before a poll would look.
      const reported = new Promise<void>((resolve) =>
        queue.onHealthChange((health) => {
          seen.push(health);
          resolve();
        }),
      );
      const first = queue.push(op('a'));
      await reported;
      expect(seen[0]).toMatchObject({ ok: false, lastError: 'ENOSPC: No space left on device', pendingWrites: 1 });
      expect(seen[0]!.failingSince).toBeTypeOf('number');
      const second = queue.push(op('b'));
      await Promise.all([first, second]);
      expect(batches).toEqual([['a'], ['b']]);
      expect(seen.map((h) => h.ok)).toEqual([false, true]);
      expect(queue.health()).toEqual({ ok: true, pendingWrites: 0 });
      expect(log.lines.map((l) => l.level)).toEqual(['error', 'warn', 'warn', 'info']);
    });

    it('reports a changed error again but keeps the time failing started', async () => {
      const { queue } = fakeDisk({ failures: [new Error('first'), new Error('second')] });
      const seen: StoreHealth[] = [];
      queue.onHealthChange((health) => seen.push(health));
      await queue.push(op('a'));
      expect(seen.map((h) => h.lastError)).toEqual(['first', 'second', undefined]);
      expect(seen[1]!.failingSince).toBe(seen[0]!.failingSince);
    });

    it('retries a prepare that throws, without preparing the others twice', async () => {
      const { queue, batches } = fakeDisk();
      let calls = 0;
      let attempts = 0;
      const writes = [
        queue.push({ prepare: () => (calls++, ['a']) }),
        queue.push({
          prepare: async () => {
            if (attempts++ === 0) throw new Error('read failed');
            return ['b'];
          },
        }),
      ];
      await Promise.all(writes);
      expect(calls).toBe(1);
      expect(attempts).toBe(2);
      expect(batches).toEqual([['a', 'b']]);
    });

    it('logs a listener that throws and keeps going', async () => {
      const { queue, log } = fakeDisk({ failures: [new Error('boom')] });
      const seen: boolean[] = [];
      queue.onHealthChange(() => {
        throw new Error('listener bug');
      });
      const unsubscribe = queue.onHealthChange((health) => seen.push(health.ok));
      await queue.push(op('a'));
      expect(seen).toEqual([false, true]);
      expect(log.lines.filter((l) => l.msg === 'storage health listener threw')).toHaveLength(2);
      unsubscribe();
    });
  });

  describe('flush', () => {
    it('resolves when every write pushed so far is written', async () => {
      const { queue, batches } = fakeDisk({ failures: [new Error('once')] });
      for (const v of ['a', 'b']) void queue.push(op(v));
      await queue.flush();
      expect(batches.flat()).toEqual(['a', 'b']);
    });
  });

  describe('whenIdle', () => {
    it('resolves true at once on an empty queue', async () => {
      const { queue } = fakeDisk();
      await expect(queue.whenIdle(10_000)).resolves.toBe(true);
    });

    it('resolves true once the batch in flight and the writes behind it are written, not before', async () => {
      const disk = gate();
      const { queue, batches } = fakeDisk({ hold: disk.promise });
      const first = queue.push(op('a'));
      await nextTurn();
      const second = queue.push(op('b'));
      let idleWhen: string[][] | undefined;
      const idle = queue.whenIdle(10_000).then((value) => {
        idleWhen = batches.map((b) => [...b]);
        return value;
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(idleWhen).toBeUndefined();
      disk.open();
      await Promise.all([first, second]);
      expect(await idle).toBe(true);
      expect(idleWhen).toEqual([['a'], ['b']]);
    });

    it('resolves false after the longest wait while a batch stays in flight', async () => {
      const disk = gate();
      const { queue } = fakeDisk({ hold: disk.promise });
      const write = queue.push(op('a'));
      await expect(queue.whenIdle(20)).resolves.toBe(false);
      disk.open();
      await write;
      await expect(queue.whenIdle(10_000)).resolves.toBe(true);
    });
  });

  describe('close', () => {
    it('waits for pending writes, then refuses new ones', async () => {
      const { queue, batches } = fakeDisk({ failures: [new Error('once')] });
      const write = queue.push(op('a'));
      await queue.close(5000);
      await write;
      expect(batches).toEqual([['a']]);
      await expect(queue.push(op('b'))).rejects.toThrow(/closed/);
    });

    it('gives up after the timeout on a disk that keeps failing, rejecting what was not written', async () => {
      const failures = Array.from({ length: 10_000 }, () => new Error('EIO: i/o error'));
      const { queue, log } = fakeDisk({ failures });
      const writes = [queue.push(op('a')), queue.push(op('b'))];
      const outcomes = Promise.allSettled(writes);
      await expect(queue.close(50)).rejects.toThrow(/2 writes not yet durable: EIO: i\/o error/);
      for (const outcome of await outcomes) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(WritesAbandonedError);
      }
      expect(log.lines.at(-1)?.msg).toBe('document store closed with writes that never reached the disk');
      expect(queue.health().pendingWrites).toBe(0);
    });
  });
});
