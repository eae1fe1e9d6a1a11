/**
 * The priority lane end to end (issue 16: "each new notice to every connected
 * device ahead of document traffic already queued for it"): a device that
 * stopped reading while megabytes of a record's updates were sent to it gets a
 * new notice before the updates still waiting in the relay, and then every
 * update, in order.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addComment, createReceipt, readRecord } from '../../shared/model';
import { EntryLimits } from '../../shared/model/entry';
import type { MuxFrame } from '../../shared/protocol/muxMessages';
import { tryReadFrame } from '../support/muxClient';
import { connectDevice, type RawDevice } from '../support/rawDevice';
import { createSiteUsers, type SiteUsers } from '../support/siteUsers';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { readSync } from '../support/yMessages';

const DOC = 'record:R-big';
/**
 * Changes of COMMENTS comments of the longest text each: 80 frames of about
 * 128 KB, 10 MB in all, well past what the kernel's socket buffers take on
 * loopback (about 4 MB here: the notice came after some 30 of them).
 */
const CHANGES = 80;
const COMMENTS = 32;

describe('a new notice on a socket with document traffic queued', () => {
  let users: SiteUsers;
  let t: TestRelay;
  let dir: string;
  const devices: RawDevice[] = [];

  beforeAll(async () => {
    users = await createSiteUsers();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-notice-priority-'));
    // Room for the whole backlog: the slow reader must be held, not cut off (4408).
    t = await startTestRelay({ dir, users: users.store, notices: { file: path.join(dir, 'notices.log') }, limits: { maxBufferedBytes: 64 * 1024 * 1024 } });
  });
  afterAll(async () => {
    for (const d of devices.splice(0)) d.close();
    await t.cleanup();
    await users.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('reaches a device that stopped reading before the document frames still queued for it, which follow in order', async () => {
    const writer = await connectDevice(t.wsUrl, users.crew, 'ann-dock');
    const reader = await connectDevice(t.wsUrl, users.supervisor, 'sue-office');
    devices.push(writer, reader);
    await writer.write(DOC, (d, author) => createReceipt(d, author, { id: 'R-big', site: 'main', supplier: 'ACME' }));
    await reader.open(DOC);
    const atPause = Y.encodeStateAsUpdate(reader.docOf(DOC));
    const pausedAt = reader.c.received.length;
    reader.c.ws.pause();

    const pad = 'x'.repeat(EntryLimits.longText - 16);
    const doc = writer.docOf(DOC);
    const answers: Promise<MuxFrame>[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const before = Y.encodeStateVector(doc);
      doc.transact(() => {
        for (let j = 0; j < COMMENTS; j++) addComment(doc, writer.author, `${i}/${j} ${pad}`);
      });
      answers.push(writer.sendRaw(DOC, Y.encodeStateAsUpdate(doc, before)));
    }
    for (const answer of await Promise.all(answers)) expect(answer.type).toBe('ack');
    // Every change is acked to the writer: each was forwarded to the reader's socket before its ack left.
    const res = await fetch(`${t.relay.url}/api/notices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${users.crew2.token}` },
      body: JSON.stringify({ kind: 'safety', severity: 'danger', text: 'forklift down in aisle 4' }),
    });
    expect(res.status).toBe(201);
    const { seq } = (await res.json()) as { seq: number };

    reader.c.ws.resume();
    await reader.c.waitFor((m) => {
      const f = tryReadFrame(m);
      return f?.type === 'notice' && f.seq === seq ? true : undefined;
    }, 30_000);
    // Each update the reader gets, applied in order onto what it held: none may wait for a missing one.
    const track = new Y.Doc();
    Y.applyUpdate(track, atPause);
    const updates: number[] = [];
    let waitingForMissing = 0;
    let noticeAt = -1;
    let read = pausedAt;
    const comments = (): string[] => readRecord(track).entries.flatMap((e) => (e.kind === 'comment' ? [e.text.split(' ')[0]!] : []));
    let held = 0;
    await reader.c.waitFor(() => {
      const before = updates.length;
      for (; read < reader.c.received.length; read++) {
        const f = tryReadFrame(reader.c.received[read]!);
        if (f?.type === 'notice' && f.seq === seq) noticeAt = read;
        const sync = f?.type === 'doc' && f.doc === DOC ? readSync(f.message) : undefined;
        if (sync?.syncType !== 2) continue;
        updates.push(read);
        Y.applyUpdate(track, sync.payload);
        if (track.store.pendingStructs !== null) waitingForMissing++;
      }
      if (updates.length > before) held = comments().length;
      return held === CHANGES * COMMENTS ? true : undefined;
    }, 30_000);
    expect(waitingForMissing).toBe(0);
    expect(comments()).toEqual(Array.from({ length: CHANGES * COMMENTS }, (_, k) => `${Math.floor(k / COMMENTS)}/${k % COMMENTS}`));

    // Some updates were already in the kernel's buffers; those waiting in the relay came after the notice.
    expect(noticeAt).toBeGreaterThan(-1);
    expect(updates.filter((i) => i > noticeAt).length).toBeGreaterThan(0);
  }, 120_000);
});
