/**
 * The media queue in real IndexedDB: a photo's files and queue row are kept
 * together and read back after the database is reopened (a reload); only
 * full photos the relay holds are ever dropped, and their rows stay so they
 * are never sent again; tus upload URLs are kept for resuming.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IndexeddbMediaStore, mediaDbName, type TakenPhoto } from '../../client/app/lib/photos/MediaStore';
import { tusUrlStorage } from '../../client/app/lib/photos/tusUrlStorage';

const taken = (id: string, at: number): TakenPhoto => ({ id, thumbId: `${id}-thumb`, recordId: 'R-1', bytes: 5, thumbBytes: 2, width: 4, height: 3, at, failure: null });
const blob = (text: string) => new Blob([text], { type: 'image/jpeg' });

describe('IndexeddbMediaStore', () => {
  const name = mediaDbName(`test-${Math.random().toString(36).slice(2)}`);
  let store: IndexeddbMediaStore;
  afterEach(async () => {
    store.close();
    await new Promise((resolve) => (indexedDB.deleteDatabase(name).onsuccess = resolve));
  });

  it('keeps a photo and its thumbnail with the queue row, across a reopen, oldest first', async () => {
    store = new IndexeddbMediaStore(name);
    await store.keepTaken(taken('b', 2), { photo: blob('BBBBB'), thumb: blob('bb') });
    await store.keepTaken(taken('a', 1), { photo: blob('AAAAA'), thumb: blob('aa') });
    store.close();
    store = new IndexeddbMediaStore(name);
    expect((await store.taken()).map((p) => p.id)).toEqual(['a', 'b']);
    const photo = await store.file('a');
    expect(photo).toMatchObject({ role: 'photo', bytes: 5, onRelay: false });
    expect(await photo!.blob!.text()).toBe('AAAAA');
    expect(await (await store.file('a-thumb'))!.blob!.text()).toBe('aa');
  });

  it('drops only full photos the relay holds, keeping their rows, thumbnails and every photo it lacks', async () => {
    store = new IndexeddbMediaStore(name);
    await store.keepTaken(taken('a', 1), { photo: blob('AAAAA'), thumb: blob('aa') });
    await store.keepTaken(taken('b', 2), { photo: blob('BBBBB'), thumb: blob('bb') });
    await store.markOnRelay('a');
    await store.markOnRelay('a-thumb');
    expect(await store.dropOnRelay(['a', 'a-thumb', 'b', 'b-thumb', 'unknown'])).toBe(5);
    expect(await store.file('a')).toMatchObject({ blob: null, onRelay: true });
    expect((await store.file('a-thumb'))!.blob).not.toBeNull();
    expect((await store.file('b'))!.blob).not.toBeNull();
    expect((await store.file('b-thumb'))!.blob).not.toBeNull();
  });

  it('caches a fetched file without replacing a taken one, and fills a dropped one back in', async () => {
    store = new IndexeddbMediaStore(name);
    await store.keepTaken(taken('a', 1), { photo: blob('AAAAA'), thumb: blob('aa') });
    await store.cache({ id: 'a', role: 'photo', blob: blob('other'), bytes: 5, onRelay: true, at: 9 });
    expect(await store.file('a')).toMatchObject({ onRelay: false, at: 1 });
    await store.markOnRelay('a');
    await store.dropOnRelay(['a']);
    await store.cache({ id: 'a', role: 'photo', blob: blob('AAAAA'), bytes: 5, onRelay: true, at: 9 });
    expect(await (await store.file('a'))!.blob!.text()).toBe('AAAAA');
    await store.cache({ id: 'z', role: 'thumb', blob: blob('zz'), bytes: 2, onRelay: true, at: 9 });
    expect(await store.file('z')).toMatchObject({ role: 'thumb', onRelay: true });
  });

  it('takes the same picture again without sending it again: its files stay on the relay, with their bytes back', async () => {
    store = new IndexeddbMediaStore(name);
    await store.keepTaken(taken('a', 1), { photo: blob('AAAAA'), thumb: blob('aa') });
    await store.markOnRelay('a');
    await store.markOnRelay('a-thumb');
    await store.dropOnRelay(['a']);
    await store.keepTaken(taken('a', 5), { photo: blob('AAAAA'), thumb: blob('aa') });
    expect(await store.file('a')).toMatchObject({ onRelay: true, at: 5 });
    expect(await (await store.file('a'))!.blob!.text()).toBe('AAAAA');
    expect(await store.file('a-thumb')).toMatchObject({ onRelay: true });
  });

  it('records a refusal and clears it', async () => {
    store = new IndexeddbMediaStore(name);
    await store.keepTaken(taken('a', 1), { photo: blob('AAAAA'), thumb: blob('aa') });
    await store.setFailure('a', 'photo refused: not a JPEG, PNG or WebP');
    expect((await store.taken())[0]!.failure).toBe('photo refused: not a JPEG, PNG or WebP');
    await store.setFailure('a', null);
    expect((await store.taken())[0]!.failure).toBeNull();
  });

  it("keeps tus's upload URLs for resuming, by fingerprint, until removed", async () => {
    store = new IndexeddbMediaStore(name);
    const urls = tusUrlStorage(store);
    const upload = { size: 5, metadata: { sha256: 'a' }, creationTime: 'now', uploadUrl: 'http://relay/files/1', parallelUploadUrls: null, urlStorageKey: '' };
    const key = await urls.addUpload('tally-photo:a:5', upload);
    await urls.addUpload('tally-photo:b:5', { ...upload, uploadUrl: 'http://relay/files/2' });
    store.close();
    store = new IndexeddbMediaStore(name);
    const again = tusUrlStorage(store);
    expect(await again.findUploadsByFingerprint('tally-photo:a:5')).toEqual([{ ...upload, urlStorageKey: key }]);
    expect(await again.findAllUploads()).toHaveLength(2);
    await again.removeUpload(key);
    expect(await again.findUploadsByFingerprint('tally-photo:a:5')).toEqual([]);
  });
});
