/**
 * Seeds a running relay the way a device would: each record is built with
 * the project's model functions (createReceipt, addReceiveLine) and sent as
 * one `change` frame over `/mux`, then closed once the relay acknowledges it
 * (durable). The relay derives the site's record index itself.
 */
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { addReceiveLine, createAuthor, createReceipt } from '../../shared/model';
import { readMuxFrame, writeChangeFrame, writeCloseDocFrame } from '../../shared/protocol/muxMessages';

/** Options of `seedReceipts`. */
export interface SeedOptions {
  /** The relay's origin, `http://127.0.0.1:<port>`. */
  url: string;
  /** A real user's token and id (the relay checks entries are signed by the sender). */
  token: string;
  userId: string;
  /** The seeding device's id (bound to this user on first use). */
  device: string;
  site: string;
  /** Small receipts of 3 lines each. */
  records: number;
  /** Lines of the one big receipt (created last, so newest in the list). */
  bigLines: number;
  /** Changes in flight at once (default 32). */
  window?: number;
  /** Give up after this long (default 10 min). */
  timeoutMs?: number;
}

/** What was seeded. */
export interface SeedResult {
  /** Record ids, the big receipt last. */
  ids: string[];
  bigId: string;
  /** Sum of the updates sent (one per record). */
  updateBytes: number;
  ms: number;
}

const DAY = 86_400_000;

/** One receipt as a single update: created `ageMs` ago with `lines` lines. */
function receiptUpdate(options: { id: string; site: string; userId: string; device: string; lines: number; createdAt: number; supplier: string }): Uint8Array {
  let clock = options.createdAt;
  const author = createAuthor({ user: options.userId, device: options.device, now: () => clock++ });
  const doc = new Y.Doc();
  createReceipt(doc, author, { id: options.id, site: options.site, supplier: options.supplier, po: `PO-${options.id}`, dock: String((options.lines % 7) + 1) });
  for (let i = 0; i < options.lines; i++) addReceiveLine(doc, author, { item: `SKU-${(i % 97) + 1}`, qty: (i % 12) + 1, lot: i % 3 === 0 ? `L${i}` : undefined });
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

/** Seeds `records` small receipts and one big one; resolves when all are acknowledged. */
export async function seedReceipts(options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const now = Date.now();
  const jobs = Array.from({ length: options.records + 1 }, (_, i) => {
    const big = i === options.records;
    const id = big ? 'R-bench-big' : `R-bench-${String(i + 1).padStart(5, '0')}`;
    // Spread over the last 30 days, oldest first; the big one is the newest.
    const createdAt = now - Math.round((30 * DAY * (options.records - i)) / Math.max(1, options.records)) - 60_000;
    return { id, big, createdAt };
  });
  const ws = new WebSocket(`${options.url.replace(/^http/, 'ws')}/mux?token=${encodeURIComponent(options.token)}&device=${encodeURIComponent(options.device)}`);
  ws.binaryType = 'nodebuffer';
  let updateBytes = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('close', (code, reason) => reject(new Error(`relay closed the seeding socket: ${code} ${reason.toString()}`)));
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`seeding not acknowledged within ${options.timeoutMs ?? 600_000} ms`)), options.timeoutMs ?? 600_000);
      const inFlight = new Set<string>();
      let next = 0;
      let acked = 0;
      const sendNext = (): void => {
        while (inFlight.size < (options.window ?? 32) && next < jobs.length) {
          const job = jobs[next++]!;
          const update = receiptUpdate({
            id: job.id,
            site: options.site,
            userId: options.userId,
            device: options.device,
            lines: job.big ? options.bigLines : 3,
            createdAt: job.createdAt,
            supplier: job.big ? `Big supplier ${options.bigLines} lines` : `Supplier ${(next % 40) + 1}`,
          });
          updateBytes += update.byteLength;
          inFlight.add(`record:${job.id}`);
          ws.send(writeChangeFrame(`record:${job.id}`, 1, update));
        }
      };
      ws.on('message', (data: Buffer) => {
        const frame = readMuxFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        if (frame.type === 'error') {
          clearTimeout(timer);
          reject(new Error(`relay refused ${frame.doc}: ${frame.reason}`));
        } else if (frame.type === 'ack' && inFlight.delete(frame.doc)) {
          ws.send(writeCloseDocFrame(frame.doc)); // one connection may hold only so many documents open
          acked += 1;
          if (acked === jobs.length) {
            clearTimeout(timer);
            resolve();
          } else sendNext();
        }
      });
      ws.on('close', (code, reason) => {
        clearTimeout(timer);
        reject(new Error(`relay closed the seeding socket after ${acked} acks: ${code} ${reason.toString()}`));
      });
      sendNext();
    });
  } finally {
    ws.removeAllListeners('close');
    ws.close();
  }
  const ids = jobs.map((j) => j.id);
  return { ids, bigId: ids.at(-1)!, updateBytes, ms: performance.now() - started };
}
