/**
 * A stock y-websocket client (an unmodified `WebsocketProvider` from npm, over
 * `/sync/<doc>`) and the Tally sync client (over `/mux`) edit one goods
 * receipt through the real relay over a real LevelDB, and converge.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import type { SyncClient } from '../../client/sync/createSyncClient';
import { waitFor } from '../../client/sync/waitFor';
import { addReceiveLine, createAuthor, createReceipt, readMeta, setField, type Author } from '../../shared/model';
import { eventually } from '../support/eventually';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { expectedTotals, storedView, tallyDevice, quietLog, untilRecord, viewOf } from './fixtures';

const RECEIPT_ID = 'R-2001';
const DOC = `record:${RECEIPT_ID}`;

describe('a stock y-websocket client and the Tally client on one receipt', () => {
  let t: TestRelay | undefined;
  let tally: SyncClient | undefined;
  let stock: { provider: WebsocketProvider; doc: Y.Doc } | undefined;

  afterEach(async () => {
    if (stock) {
      stock.provider.destroy();
      stock.provider.awareness.destroy();
      stock.doc.destroy();
    }
    await tally?.destroy();
    await t?.cleanup();
    t = tally = stock = undefined;
  });

  it('converge: both see every line, totals add up, the store holds the same entries, Tally reads "on the relay"', async () => {
    t = await startTestRelay();
    const log = quietLog();
    tally = tallyDevice(t.relay.url, 'tally-tablet', { log });
    const tallyDoc = tally.open(DOC);
    await tallyDoc.whenLoaded;
    const stockDoc = new Y.Doc();
    stock = {
      doc: stockDoc,
      provider: new WebsocketProvider(t.wsUrl('/sync'), DOC, stockDoc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
        maxBackoffTime: 200,
      }),
    };
    const onTally = createAuthor({ user: 'ana', device: 'tally-tablet' });
    const onStock = createAuthor({ user: 'ben', device: 'stock-laptop' });
    const written: Array<{ id: string; item: string; qty: number }> = [];
    const line = (doc: Y.Doc, author: Author, item: string, qty: number, lot?: string): void => {
      const entry = addReceiveLine(doc, author, { item, qty, ...(lot && { lot }) });
      written.push({ id: entry.id, item, qty });
    };

    // Tally creates the receipt; the stock client writes only once it has it.
    createReceipt(tallyDoc.doc, onTally, { id: RECEIPT_ID, site: 'site-1', supplier: 'ACME', po: 'PO-77', dock: 'D2' });
    await untilRecord(stockDoc, () => readMeta(stockDoc) !== null, 'the stock client to receive the receipt');

    // Both receive the same item without seeing each other's lines first: 50 + 30 = 80.
    for (let i = 0; i < 5; i++) line(tallyDoc.doc, onTally, 'SKU-1', 10, `L-${i}`);
    for (let i = 0; i < 3; i++) line(stockDoc, onStock, 'SKU-1', 10);
    line(stockDoc, onStock, 'SKU-2', 7);
    setField(stockDoc, onStock, 'notes', 'two pallets wrapped badly');
    line(tallyDoc.doc, onTally, 'SKU-3', 1);
    // More concurrent work after the first exchange, interleaved with the other side's arrivals.
    await untilRecord(tallyDoc.doc, (v) => v.lineIds.length >= 7, 'Tally to see some stock lines');
    for (let i = 0; i < 4; i++) {
      line(tallyDoc.doc, onTally, 'SKU-2', 3);
      line(stockDoc, onStock, 'SKU-3', 2);
    }

    const allIds = written.map((w) => w.id).sort();
    const totals = expectedTotals(written);
    expect(totals).toEqual({ 'SKU-1': 80, 'SKU-2': 19, 'SKU-3': 9 });
    const onTallyView = await untilRecord(tallyDoc.doc, (v) => v.lineIds.length === allIds.length, 'every line on Tally');
    const onStockView = await untilRecord(stockDoc, (v) => v.lineIds.length === allIds.length, 'every line on the stock client');
    const settled = await waitFor(tally.status, (s) => s.allOnRelay && s.pendingTotal === 0, 10_000);
    expect(settled, `Tally not on the relay: ${JSON.stringify(tally.status.get())}`).toBe(true);
    await eventually(async () => (await storedView(t!, DOC)).ids.length === onTallyView.ids.length, 10_000, 'the store to hold every entry');
    const stored = await storedView(t, DOC);

    for (const view of [onTallyView, onStockView, stored]) {
      expect(view.lineIds).toEqual(allIds);
      expect(view.duplicates).toEqual([]);
      expect(view.rejected).toBe(0);
      expect(view.totals).toEqual(totals);
      expect(view.snapshot.fields).toEqual({ supplier: 'ACME', po: 'PO-77', dock: 'D2', notes: 'two pallets wrapped badly' });
    }
    // Same entries in the same order everywhere, the relay's copy included.
    expect(onStockView.ids).toEqual(onTallyView.ids);
    expect(stored.ids).toEqual(onTallyView.ids);
    expect(stored.snapshot.meta).toEqual(onTallyView.snapshot.meta);
    expect(viewOf(tallyDoc.doc).ids).toEqual(onTallyView.ids);

    const state = tallyDoc.get();
    expect(state).toMatchObject({ onRelay: true, pending: 0, stuck: false, lastError: null });
    expect(state.changeNo).toBe(state.ackedChangeNo);
    expect(tally.status.get()).toMatchObject({ allOnRelay: true, pendingTotal: 0, online: true, stuckDocs: [] });
    expect(log.lines).toEqual([]);
    expect(t.logs.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });

  it('converge after both worked offline: each sends the relay what it lacks on reconnecting', async () => {
    t = await startTestRelay();
    const log = quietLog();
    tally = tallyDevice(t.relay.url, 'tally-tablet', { log });
    const tallyDoc = tally.open(DOC);
    await tallyDoc.whenLoaded;
    const stockDoc = new Y.Doc();
    const provider = new WebsocketProvider(t.wsUrl('/sync'), DOC, stockDoc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      maxBackoffTime: 200,
    });
    stock = { doc: stockDoc, provider };
    const onTally = createAuthor({ user: 'ana', device: 'tally-tablet' });
    const onStock = createAuthor({ user: 'ben', device: 'stock-laptop' });
    createReceipt(stockDoc, onStock, { id: RECEIPT_ID, site: 'site-1', supplier: 'ACME' });
    await untilRecord(tallyDoc.doc, () => readMeta(tallyDoc.doc) !== null, 'Tally to receive the receipt');

    // The dock's Wi-Fi drops for both.
    provider.disconnect();
    tally.connection.disconnect();
    const written: Array<{ id: string; item: string; qty: number }> = [];
    for (let i = 0; i < 6; i++) {
      const a = addReceiveLine(tallyDoc.doc, onTally, { item: 'SKU-9', qty: 50 });
      const b = addReceiveLine(stockDoc, onStock, { item: 'SKU-9', qty: 30 });
      written.push({ id: a.id, item: a.item, qty: a.qty }, { id: b.id, item: b.item, qty: b.qty });
    }
    expect(tallyDoc.get()).toMatchObject({ pending: 6, onRelay: false });
    provider.connect();
    tally.connection.reconnectNow();

    const allIds = written.map((w) => w.id).sort();
    const onTallyView = await untilRecord(tallyDoc.doc, (v) => v.lineIds.length === allIds.length, 'every line on Tally');
    const onStockView = await untilRecord(stockDoc, (v) => v.lineIds.length === allIds.length, 'every line on the stock client');
    expect(await tally.flushAndWait(10_000)).toMatchObject({ ok: true, remaining: [] });
    await eventually(async () => (await storedView(t!, DOC)).lineIds.length === allIds.length, 10_000, 'the store to hold every line');
    const stored = await storedView(t, DOC);
    for (const view of [onTallyView, onStockView, stored]) {
      expect(view.lineIds).toEqual(allIds);
      expect(view.duplicates).toEqual([]);
      expect(view.totals).toEqual({ 'SKU-9': 480 });
    }
    expect(stored.ids).toEqual(onTallyView.ids);
    expect(onStockView.ids).toEqual(onTallyView.ids);
    expect(tally.status.get()).toMatchObject({ allOnRelay: true, pendingTotal: 0, online: true, stuckDocs: [] });
    expect(log.lines).toEqual([]);
  });
});
