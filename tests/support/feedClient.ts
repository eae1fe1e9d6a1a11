/**
 * Helpers for the bulk side of /mux in relay tests: receipts seeded with the
 * model functions over a raw mux socket, and a raw `fetch` whose `states`
 * frames are collected until the last one.
 */
import * as Y from 'yjs';
import { createAuthor, type Author } from '../../shared/model/author';
import { createReceipt } from '../../shared/model/createRecord';
import { addReceiveLine } from '../../shared/model/recordWriters';
import { writeChangeFrame, writeFetchFrame, type StatesFrame } from '../../shared/protocol/muxMessages';
import { tryReadFrame, waitAck } from './muxClient';
import type { RawClient } from './rawClient';

/** A seeded receipt as its device holds it. */
export interface SeededRecord {
  name: string;
  doc: Y.Doc;
  /** The next changeNo the device would use. */
  changeNo: number;
}

let firstSeq = 1;

/** A new author for `user` on `device`, with sequence numbers no other test author uses. */
export function testAuthor(user: string, device: string): Author {
  firstSeq += 100_000;
  return createAuthor({ user, device, firstSeq });
}

/** Creates `count` receipts of `lines` lines on `c` (one change each) and waits until every one is acknowledged. */
export async function seedReceipts(c: RawClient, author: Author, options: { count: number; lines?: number; prefix?: string }): Promise<SeededRecord[]> {
  const records: SeededRecord[] = [];
  for (let i = 0; i < options.count; i++) {
    const id = `${options.prefix ?? 'R'}-${i}`;
    const doc = new Y.Doc();
    createReceipt(doc, author, { id, site: 'main', supplier: 'ACME', po: String(4700 + i) });
    for (let line = 0; line < (options.lines ?? 3); line++) addReceiveLine(doc, author, { item: `SKU-${line}`, qty: line + 1, lot: `L${i}` });
    const name = `record:${id}`;
    c.send(writeChangeFrame(name, 1, Y.encodeStateAsUpdate(doc)));
    records.push({ name, doc, changeNo: 2 });
  }
  await Promise.all(records.map((r) => waitAck(c, r.name, 1, 30_000)));
  return records;
}

/** Writes one more line to `record` on `c` and waits for its ack. */
export async function addLine(c: RawClient, author: Author, record: SeededRecord, item = 'SKU-NEW'): Promise<void> {
  const before = Y.encodeStateVector(record.doc);
  addReceiveLine(record.doc, author, { item, qty: 7 });
  const changeNo = record.changeNo++;
  c.send(writeChangeFrame(record.name, changeNo, Y.encodeStateAsUpdate(record.doc, before)));
  await waitAck(c, record.name, changeNo, 30_000);
}

/** The `states` frames answering `requestId`, received so far. */
export function statesFrames(c: RawClient, requestId: number): StatesFrame[] {
  const frames: StatesFrame[] = [];
  for (const msg of c.received) {
    const f = tryReadFrame(msg);
    if (f?.type === 'states' && f.requestId === requestId) frames.push(f);
  }
  return frames;
}

/** Sends a fetch of `docs` (name -> state vector) and resolves with every states frame of it, the last one flagged. */
export async function fetchRaw(c: RawClient, requestId: number, docs: Array<{ doc: string; stateVector: Uint8Array }>, summaries = false): Promise<StatesFrame[]> {
  c.send(writeFetchFrame(requestId, docs, summaries));
  await c.waitFor((m) => {
    const f = tryReadFrame(m);
    return f?.type === 'states' && f.requestId === requestId && f.last ? f : undefined;
  }, 30_000);
  return statesFrames(c, requestId);
}

/** An empty state vector: the device holds nothing of the document. */
export const NOTHING = Y.encodeStateVector(new Y.Doc());

/** True when `update` carries no structs (at most deletions the device may already have). */
export function hasNoStructs(update: Uint8Array): boolean {
  return Y.decodeUpdate(update).structs.length === 0;
}
