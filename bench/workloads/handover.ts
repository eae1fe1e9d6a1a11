/**
 * handover: a device records a line in the dead zone, comes back, and waits
 * for its client's "on the relay" signal; at that moment the server is
 * SIGKILLed, the device copy is discarded, and the server restarts. 20 rounds,
 * then a fresh device reads the document and counts the lines that survived.
 *
 * The kill comes before the device disconnects, so a server that saves when a
 * document's last connection closes (Hocuspocus) cannot hide a crash.
 *
 * Signals: Tally, the mux `ack` of the change; y-websocket, the provider's
 * `synced` (stock WebsocketProvider); Hocuspocus, the provider's `synced` and
 * `unsyncedChanges === 0` (stock HocuspocusProvider).
 */
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import type { ChildServer } from '../servers/ChildServer';
import { makeDevice } from '../clients/makeDevice';
import { ROOT, receiptLine, recordDoc } from '../lib/yupdates';
import { sleep, waitFor } from '../lib/measure';

const DOC = recordDoc('handover-receipt');
/**
 * The one device of every round: a handheld whose copy is discarded each time
 * (so each round is a fresh Yjs client id) but whose sequence goes on.
 */
const DEVICE = 'bench-handover';

export interface HandoverResult {
  rounds: number;
  /** Rounds whose line the server no longer had after the restart. */
  lost: number;
  /** Rounds in which the client never gave its signal (counted apart, not as lost). */
  noSignal: number;
  /** Median time from connecting to the signal. */
  signalMsP50: number;
  signal: string;
  error?: string;
}

/** Connects a device holding `doc`, resolves with a discard function once its client signals "on the relay". */
type Signaller = (server: ChildServer, doc: Y.Doc) => Promise<() => void>;

const tallySignal: Signaller = async (server, doc) => {
  let acked = false;
  let refused: string | null = null;
  const dev = makeDevice(server, {
    device: DEVICE,
    onAck: () => {
      acked = true;
    },
    onRefused: (_doc, reason) => {
      refused = reason;
    },
  });
  await dev.connect();
  await dev.open(DOC, { stateVector: Y.encodeStateVector(doc), offline: Y.encodeStateAsUpdate(doc), offlineToken: 1 });
  const answered = await waitFor(() => acked || refused !== null, 10_000, 1);
  if (!acked) {
    dev.close();
    throw new Error(answered ? `refused: ${refused}` : 'no ack');
  }
  return () => dev.close();
};

const yWebsocketSignal: Signaller = async (server, doc) => {
  const provider = new WebsocketProvider(server.wsBase, DOC, doc, { WebSocketPolyfill: WebSocket as never, disableBc: true });
  if (!(await waitFor(() => provider.synced, 10_000, 1))) {
    provider.destroy();
    throw new Error('never synced');
  }
  return () => provider.destroy();
};

const hocuspocusSignal: Signaller = async (server, doc) => {
  const socket = new HocuspocusProviderWebsocket({ url: server.wsBase, WebSocketPolyfill: WebSocket });
  const provider = new HocuspocusProvider({ websocketProvider: socket, name: DOC, document: doc });
  provider.attach();
  const discard = () => {
    provider.destroy();
    socket.destroy();
  };
  if (!(await waitFor(() => provider.isSynced && provider.unsyncedChanges === 0, 10_000, 1))) {
    discard();
    throw new Error('never reached unsyncedChanges === 0');
  }
  return discard;
};

const signallers: Record<string, { fn: Signaller; name: string }> = {
  'tally-mux': { fn: tallySignal, name: 'mux ack' },
  'y-websocket': { fn: yWebsocketSignal, name: 'provider synced' },
  hocuspocus: { fn: hocuspocusSignal, name: 'unsyncedChanges === 0' },
};

/** Lines of the handover document that a fresh device receives from the server. */
async function survivingIds(server: ChildServer, expect: number): Promise<Set<string>> {
  const doc = new Y.Doc();
  const dev = makeDevice(server, { onContent: (_d, update) => Y.applyUpdate(doc, update) });
  await dev.connect();
  await dev.open(DOC);
  const ids = () => new Set(doc.getArray<{ id: string }>(ROOT).toArray().map((l) => l.id));
  // y-websocket 1.5 answers before it has loaded the document; its content follows as an update.
  await waitFor(() => ids().size >= expect, 3_000, 20);
  await sleep(200);
  const result = ids();
  dev.close();
  doc.destroy();
  return result;
}

export async function runHandover(server: ChildServer, rounds = 20): Promise<HandoverResult> {
  const { fn, name } = signallers[server.spec.dialect]!;
  let noSignal = 0;
  const signalMs: number[] = [];
  const recorded: string[] = [];
  let error: string | undefined;
  for (let r = 0; r < rounds; r++) {
    const doc = new Y.Doc();
    const line = receiptLine(DEVICE, r);
    doc.getArray(ROOT).push([line]);
    const t0 = performance.now();
    let discard: (() => void) | null = null;
    try {
      discard = await fn(server, doc);
      signalMs.push(performance.now() - t0);
      recorded.push(line.id as string);
    } catch (err) {
      noSignal += 1;
      error = String(err);
    }
    await server.kill();
    discard?.();
    doc.destroy();
    await server.start();
  }
  const present = await survivingIds(server, recorded.length);
  const lost = recorded.filter((id) => !present.has(id)).length;
  signalMs.sort((a, b) => a - b);
  return { rounds, lost, noSignal, signalMsP50: signalMs[Math.floor(signalMs.length / 2)] ?? NaN, signal: name, error };
}
