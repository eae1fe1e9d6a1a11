/**
 * What the device's send log costs on the sync path (`npx tsx bench/sendLog.ts [attempts]`):
 * the time SyncedDoc spends telling the log of an attempt and of its ack
 * (`sent` + `acked`, what runs per change), against encoding the change frame
 * that is sent anyway; and the batch write that follows, off the path (a memory
 * store here: IndexedDB's own time is the browser's, in a relaxed transaction).
 * Not a test: figures depend on the machine and its load.
 */
import os from 'node:os';
import { MemorySendLogStore, SendLog } from '../client/sync/SendLog';
import { writeChangeFrame } from '../shared/protocol/muxMessages';

const attempts = Number(process.argv[2] ?? 200_000);
const update = new Uint8Array(300).fill(7);

async function main(): Promise<void> {
  const store = new MemorySendLogStore();
  const log = new SendLog({ store, flushMs: 1_000_000 });
  await log.whenLoaded;
  // Warm up both paths.
  for (let i = 0; i < 20_000; i++) writeChangeFrame('record:R-0', i, update);
  for (let i = 0; i < 20_000; i++) {
    log.sent('record:R-0', i, 300, 0);
    log.acked('record:R-0', i);
  }
  await log.flush();

  let t = performance.now();
  for (let i = 0; i < attempts; i++) writeChangeFrame(`record:R-${i % 50}`, i, update);
  const frameUs = ((performance.now() - t) * 1000) / attempts;

  t = performance.now();
  for (let i = 0; i < attempts; i++) {
    const doc = `record:R-${i % 50}`;
    log.sent(doc, i, 300, i);
    log.acked(doc, i);
  }
  const logUs = ((performance.now() - t) * 1000) / attempts;

  t = performance.now();
  await log.flush();
  const flushMs = performance.now() - t;

  process.stdout.write(
    [
      `send log on the sync path, ${attempts.toLocaleString('en')} attempts (node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${os.cpus().length} cores)`,
      `  sent + acked per change:      ${logUs.toFixed(2)} µs`,
      `  the change frame it rides on: ${frameUs.toFixed(2)} µs (encoding alone, before any socket or fsync)`,
      `  one batch write of the ring:  ${flushMs.toFixed(1)} ms for ${store.slots.size} slots (off the path, at most once a second)`,
      '',
    ].join('\n'),
  );
}

void main();
