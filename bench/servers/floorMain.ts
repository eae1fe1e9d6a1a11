/**
 * The durable-ack floor: the least any relay must do to acknowledge a change
 * only once it is fsynced. It speaks just enough of Tally's mux protocol for
 * the bench's devices (a step 2 when a document is opened, an `ack` after the
 * write) and does nothing else: no Yjs, no judging, no forwarding, no auth.
 * Its latency is what the disk, the loopback network and the load generator
 * cost on this machine; no real relay can be faster. For the fan-out,
 * `POST /broadcast?seq=<n>` sends one notice frame to every socket. Bench only.
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { ClassicLevel } from 'classic-level';
import * as syncProtocol from 'y-protocols/sync';
import { readMuxFrame, writeAckFrame, writeDocFrame, writeNoticeFrame } from '../../shared/protocol/muxMessages';
import { syncMessage } from '../../shared/protocol/syncMessages';
import { RelayDiagnostics } from '../../relay/diag/RelayDiagnostics';

// The same pauses and store timings as the relay's (relay/diag), for the bench to put side by side.
const diagnostics = new RelayDiagnostics();

const EMPTY_UPDATE = new Uint8Array([0, 0]);
const db = new ClassicLevel<string, Uint8Array>(process.env.FLOOR_DATA ?? './floor-data', { valueEncoding: 'view' });
await db.open();

interface Waiting {
  socket: WebSocket;
  doc: string;
  changeNo: number;
}
let seq = 0;
let batch: { type: 'put'; key: string; value: Uint8Array }[] = [];
let acks: Waiting[] = [];
let writing = false;

/** Group commit: whatever arrived while the last batch was being fsynced goes in the next one. */
function commit(): void {
  if (writing || batch.length === 0) return;
  writing = true;
  const ops = batch;
  const done = acks;
  batch = [];
  acks = [];
  const started = performance.now();
  db.batch(ops, { sync: true }).then(() => {
    writing = false;
    diagnostics.stages.batch(ops.length);
    diagnostics.stages.record('store.write', performance.now() - started);
    for (const a of done) if (a.socket.readyState === 1) a.socket.send(writeAckFrame(a.doc, a.changeNo));
    commit();
  }, (err: unknown) => {
    process.stderr.write(`floor write failed: ${String(err)}\n`);
    process.exit(1);
  });
}

const http = createServer((req, res) => {
  if (req.method === 'POST' && req.url?.startsWith('/broadcast?seq=')) return broadcast(req.url, res);
  if (!diagnostics.handle(req, res)) res.end('ok');
});
const wss = new WebSocketServer({ server: http, perMessageDeflate: false });

/**
 * The fan-out floor (workloads/fanout.ts): one `notice` frame, built once,
 * sent to every socket; nothing stored, nothing checked.
 */
function broadcast(url: string, res: import('node:http').ServerResponse): void {
  const seq = Number(new URL(url, 'http://floor.invalid').searchParams.get('seq'));
  const frame = writeNoticeFrame(seq, JSON.stringify({ seq, body: { kind: 'safety', severity: 'info', text: 'bench' } }));
  for (const socket of wss.clients) socket.send(frame);
  res.end(JSON.stringify({ seq }));
}
wss.on('connection', (socket) => {
  socket.on('message', (data: Buffer) => {
    const frame = readMuxFrame(data);
    if (frame.type === 'doc') {
      socket.send(writeDocFrame(frame.doc, syncMessage(syncProtocol.messageYjsSyncStep2, EMPTY_UPDATE)));
    } else if (frame.type === 'change') {
      batch.push({ type: 'put', key: `${frame.doc}\u0000${String(++seq).padStart(12, '0')}`, value: frame.update.slice() });
      acks.push({ socket, doc: frame.doc, changeNo: frame.changeNo });
      // After this poll phase, so changes that arrived together share the fsync.
      if (!writing && batch.length === 1) setImmediate(commit);
    }
  });
});
http.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => void db.close().then(() => process.exit(0)));
