/**
 * Taking photos on the device (Photos), in real Chromium with the real
 * compression worker and the media queue in real IndexedDB: the photo and
 * its thumbnail are kept before the record names them, a store that cannot
 * keep them leaves the record untouched, a photo taken out of reach waits
 * on the device, and low space drops only full photos the relay holds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createAuthor, createReceipt, entriesOf, type PhotoEntry } from '../../shared/model';
import { IndexeddbMediaStore, mediaDbName, type MediaStore } from '../../client/app/lib/photos/MediaStore';
import { Photos, type PhotoLink } from '../../client/app/lib/photos/Photos';
import { RecordActions } from '../../client/app/lib/RecordActions';
import { sha256Hex } from '../../client/app/lib/photos/sha256';
import { cameraJpeg } from './exifJpeg';

const author = createAuthor({ user: 'ana', device: 'dock-1' });
const offline: PhotoLink = { online: () => false, recordsPending: () => 0, subscribe: () => () => undefined };
const GB = 1024 ** 3;

describe('Photos', () => {
  const site = `test-${Math.random().toString(36).slice(2)}`;
  let photos: Photos | null = null;
  let store: IndexeddbMediaStore;
  afterEach(async () => {
    photos?.destroy();
    photos = null;
    await new Promise((resolve) => (indexedDB.deleteDatabase(mediaDbName(site)).onsuccess = resolve));
  });

  /** A receipt R-1 in a Y.Doc, handed out as the Workspace hands out records. */
  function receipt(): { doc: Y.Doc; records: ConstructorParameters<typeof Photos>[0]['records']; retained: () => number } {
    const doc = new Y.Doc();
    createReceipt(doc, author, { id: 'R-1', site: 'main' });
    let held = 0;
    return {
      doc,
      records: {
        retain: () => {
          held++;
          return () => void held--;
        },
        record: () => ({ doc, synced: { whenLoaded: Promise.resolve() } }),
      },
      retained: () => held,
    };
  }

  function start(options: { store?: MediaStore; records: ConstructorParameters<typeof Photos>[0]['records']; estimate?: () => Promise<StorageEstimate>; photoMaxSide?: () => number }): Photos {
    store = new IndexeddbMediaStore(mediaDbName(site));
    photos = new Photos({
      site,
      relayUrl: 'http://127.0.0.1:9',
      token: 't',
      actions: new RecordActions({ author }),
      link: offline,
      store: options.store ?? store,
      records: options.records,
      estimate: options.estimate ?? (async () => ({ usage: 0, quota: 100 * GB })),
      ...(options.photoMaxSide && { photoMaxSide: options.photoMaxSide }),
    });
    return photos;
  }

  it("shrinks each photo to the site's setting for its longest side, read when the photo is taken", async () => {
    const { records } = receipt();
    let side = 1024;
    const p = start({ records, photoMaxSide: () => side });
    const small = await p.take('R-1', await cameraJpeg(4000, 3000, { orientation: 6 }));
    expect([small.width, small.height]).toEqual([768, 1024]);
    const bitmap = await createImageBitmap((await store.file(small.photoId))!.blob!);
    expect([bitmap.width, bitmap.height]).toEqual([768, 1024]);
    bitmap.close();

    side = 640;
    const smaller = await p.take('R-1', await cameraJpeg(4000, 3000));
    expect([smaller.width, smaller.height]).toEqual([640, 480]);
    // The thumbnail keeps its own size.
    const thumb = await createImageBitmap((await store.file(smaller.thumbId!))!.blob!);
    expect([thumb.width, thumb.height]).toEqual([320, 240]);
    thumb.close();
  });

  it('keeps the photo and its thumbnail on the device before the record names them, and the entry says what they are', async () => {
    const { doc, records, retained } = receipt();
    const order: string[] = [];
    const kept = new IndexeddbMediaStore(mediaDbName(site));
    const logging: MediaStore = Object.assign(Object.create(kept) as MediaStore, {
      keepTaken: async (...args: Parameters<MediaStore['keepTaken']>) => {
        await kept.keepTaken(...args);
        order.push('kept');
      },
    });
    doc.on('update', () => order.push('entry'));
    const p = start({ store: logging, records });
    const entry = await p.take('R-1', await cameraJpeg(4000, 3000, { orientation: 6 }), { caption: ' dented ', bin: 'A-01' });

    expect(order).toEqual(['kept', 'entry']);
    expect(retained()).toBe(0);
    expect(entriesOf(doc).at(-1)).toEqual(entry);
    expect(entry).toMatchObject({ kind: 'photo', width: 1536, height: 2048, caption: 'dented', bin: 'A-01' });
    const photo = await kept.file(entry.photoId);
    const thumb = await kept.file(entry.thumbId!);
    expect(await sha256Hex(photo!.blob!)).toBe(entry.photoId);
    expect(await sha256Hex(thumb!.blob!)).toBe(entry.thumbId);
    expect(photo!.bytes).toBe(entry.bytes);
    expect(p.get()).toMatchObject({ pending: 1, compressing: 0 });
    expect(p.get().states.get(entry.photoId)).toEqual({ kind: 'device', note: null });
    kept.close();
  });

  it('appends nothing when the device cannot keep the photo, and says why', async () => {
    const { doc, records } = receipt();
    const failing = Object.assign(Object.create(new IndexeddbMediaStore(mediaDbName(site))) as MediaStore, {
      keepTaken: async () => {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      },
    });
    const before = entriesOf(doc).length;
    const p = start({ store: failing, records });
    await expect(p.take('R-1', await cameraJpeg(800, 600))).rejects.toThrow(/quota/);
    expect(entriesOf(doc)).toHaveLength(before);
    expect(p.get().compressing).toBe(0);
  });

  it('shows a thumbnail it holds with no relay in reach, and says where a photo it lacks is', async () => {
    const { records } = receipt();
    const p = start({ records });
    const entry: PhotoEntry = await p.take('R-1', await cameraJpeg(800, 600));
    const url = await p.thumbnailUrl(entry.thumbId!);
    const bitmap = await createImageBitmap(await (await fetch(url)).blob());
    expect([bitmap.width, bitmap.height]).toEqual([320, 240]);
    await expect(p.photoUrl('f'.repeat(64))).rejects.toThrow('This photo is on the relay; it opens when the relay is in reach.');
    // Ids are claims of whoever wrote the entry: nothing but a SHA-256 goes into a URL.
    await expect(p.thumbnailUrl('../api/users')).rejects.toThrow('This entry names no photo this app can show.');
    await expect(p.photoUrl('ph-1')).rejects.toThrow('This entry names no photo this app can show.');
  });

  it('drops full photos the relay holds when space is low, never one it lacks, and keeps every thumbnail', async () => {
    const { records } = receipt();
    let estimate: StorageEstimate = { usage: 10 * GB, quota: 100 * GB };
    const p = start({ records, estimate: async () => estimate });
    const sent = await p.take('R-1', await cameraJpeg(800, 600));
    const unsent = await p.take('R-1', await cameraJpeg(640, 480));
    await store.markOnRelay(sent.photoId);
    await store.markOnRelay(sent.thumbId!);
    expect(await p.dropIfLow()).toBe(0);
    estimate = { usage: 99 * GB, quota: 100 * GB };
    expect(await p.dropIfLow()).toBe(sent.bytes);
    expect((await store.file(sent.photoId))!.blob).toBeNull();
    expect((await store.file(unsent.photoId))!.blob).not.toBeNull();
    expect((await store.file(sent.thumbId!))!.blob).not.toBeNull();
    expect(await p.usage()).toMatchObject({ photos: 1, photoBytes: unsent.bytes, thumbnails: 2, droppableBytes: 0 });
  });
});
