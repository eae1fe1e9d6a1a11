/**
 * Photos at /files/ on a real relay (real files in a temp folder, real HTTP
 * on loopback), spoken to as tus 1.0 by hand: what a crew device's upload
 * does, every refusal, a resumed upload after a relay restart, duplicate and
 * concurrent uploads of one photo, byte ranges, a damaged upload and a full
 * disk.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRelay, type Relay } from '../../relay/createRelay';
import { MemoryUserStore } from '../../relay/auth/MemoryUserStore';
import { LevelDocStore } from '../../relay/storage/LevelDocStore';
import type { IssuedToken } from '../../relay/auth/UserStore';
import { fillUp, mountTmpfs, type Tmpfs } from '../support/tmpfs';

/** A JPEG-looking file of `size` bytes (the relay checks the magic bytes and the hash, not the pixels). */
function jpeg(size: number): Uint8Array {
  const bytes = new Uint8Array(randomBytes(size));
  bytes.set([0xff, 0xd8, 0xff, 0xe0]);
  return bytes;
}
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('photos at /files/', () => {
  let dir: string;
  let store: LevelDocStore;
  let users: MemoryUserStore;
  let relay: Relay;
  let crew: IssuedToken;
  let auditor: IssuedToken;
  let filesDir: string;

  const start = async (options: { filesDir?: string; maxPhotoBytes?: number } = {}): Promise<void> => {
    relay = await createRelay({ store, users, port: 0, photos: { dir: options.filesDir ?? filesDir, maxPhotoBytes: options.maxPhotoBytes ?? 1024 * 1024 } });
  };
  const url = (p: string): string => `${relay.url}${p}`;
  const auth = (who: IssuedToken = crew) => ({ authorization: `Bearer ${who.token}` });

  /** POST /files/: the new upload's URL, or the response when it was refused. */
  const create = async (bytes: Uint8Array, options: { who?: IssuedToken; sha?: string; type?: string; length?: number } = {}) => {
    const res = await fetch(url('/files/'), {
      method: 'POST',
      headers: {
        ...auth(options.who),
        'tus-resumable': '1.0.0',
        'upload-length': String(options.length ?? bytes.byteLength),
        'upload-metadata': `sha256 ${b64(options.sha ?? sha256(bytes))},filetype ${b64(options.type ?? 'image/jpeg')}`,
      },
    });
    return { res, location: res.headers.get('location') };
  };
  const patch = (location: string, offset: number, chunk: Uint8Array) =>
    fetch(url(location), { method: 'PATCH', headers: { ...auth(), 'tus-resumable': '1.0.0', 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' }, body: Buffer.from(chunk) });
  const head = (location: string) => fetch(url(location), { method: 'HEAD', headers: { ...auth(), 'tus-resumable': '1.0.0' } });
  const photoFiles = async () => (await readdir(path.join(filesDir, 'photos'))).sort();

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-photos-'));
    filesDir = path.join(dir, 'files');
    store = await LevelDocStore.open(path.join(dir, 'docs'));
    users = new MemoryUserStore();
    crew = await users.add({ name: 'ana', role: 'crew' });
    auditor = await users.add({ name: 'audrey', role: 'auditor' });
    await start();
  });
  afterEach(async () => {
    await relay.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes a photo in two PATCHes, answers the last once it is stored, and serves it by its hash', async () => {
    const photo = jpeg(300_000);
    const { res, location } = await create(photo);
    expect(res.status).toBe(201);
    expect(location).toMatch(/^\/files\/[\w-]+$/);
    expect((await patch(location!, 0, photo.subarray(0, 100_000))).headers.get('upload-offset')).toBe('100000');
    const last = await patch(location!, 100_000, photo.subarray(100_000));
    expect(last.status).toBe(204);
    expect(await photoFiles()).toEqual([sha256(photo)]);

    const got = await fetch(url(`/files/${sha256(photo)}`), { headers: auth(auditor) });
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe(`"${sha256(photo)}"`);
    expect(got.headers.get('cache-control')).toContain('immutable');
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(sha256(new Uint8Array(await got.arrayBuffer()))).toBe(sha256(photo));
  });

  it('answers a byte range, an unsatisfiable range and a repeat by ETag', async () => {
    const photo = jpeg(5_000);
    const { location } = await create(photo);
    await patch(location!, 0, photo);
    const name = `/files/${sha256(photo)}`;
    const part = await fetch(url(name), { headers: { ...auth(), range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/5000');
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(photo.subarray(100, 200));
    expect((await fetch(url(name), { headers: { ...auth(), range: 'bytes=9000-' } })).status).toBe(416);
    expect((await fetch(url(name), { headers: { ...auth(), 'if-none-match': `"${sha256(photo)}"` } })).status).toBe(304);
  });

  it('refuses without a token (401), an auditor upload (403), an oversized one at creation (413) and bad metadata (400)', async () => {
    const photo = jpeg(1_000);
    const anonymous = await fetch(url('/files/'), { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '1000' } });
    expect(anonymous.status).toBe(401);
    expect((await fetch(url(`/files/${sha256(photo)}`))).status).toBe(401);
    const byAuditor = await create(photo, { who: auditor });
    expect(byAuditor.res.status).toBe(403);
    expect(await byAuditor.res.text()).toMatch(/auditor may read photos but not upload/);
    const tooBig = await create(photo, { length: 2 * 1024 * 1024 });
    expect(tooBig.res.status).toBe(413);
    expect(await tooBig.res.text()).toMatch(/at most 1\.0 MiB \(TALLY_MAX_PHOTO_BYTES\)/);
    expect((await create(photo, { sha: 'not-a-hash' })).res.status).toBe(400);
    expect((await create(photo, { type: 'text/html' })).res.status).toBe(400);
  });

  it('refuses a finished upload whose bytes do not match its hash, or are not an image, and keeps nothing of it', async () => {
    const photo = jpeg(2_000);
    const lying = await create(photo, { sha: sha256(jpeg(2_000)) });
    const refused = await patch(lying.location!, 0, photo);
    expect(refused.status).toBe(422);
    expect(await refused.text()).toMatch(/hash to/);

    const html = new TextEncoder().encode('<!doctype html><p>not a photo</p>');
    const notImage = await create(html);
    const refusedHtml = await patch(notImage.location!, 0, html);
    expect(refusedHtml.status).toBe(415);
    expect(await photoFiles()).toEqual([]);
    expect((await fetch(url(`/files/${sha256(html)}`), { headers: auth() })).status).toBe(404);
    // An unknown name is 404 in words, never the app's page.
    const unknown = await fetch(url(`/files/${'0'.repeat(64)}`), { headers: auth() });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('resumes after a relay restart from the offset on disk', async () => {
    const photo = jpeg(200_000);
    const { location } = await create(photo);
    await patch(location!, 0, photo.subarray(0, 80_000));
    await relay.close();
    await start();
    const after = await head(location!);
    expect(after.headers.get('upload-offset')).toBe('80000');
    expect((await patch(location!, 80_000, photo.subarray(80_000))).status).toBe(204);
    expect(await photoFiles()).toEqual([sha256(photo)]);
  });

  it('completes an upload of a photo it already has at once, and keeps one copy of a photo sent twice at the same moment', async () => {
    const photo = jpeg(50_000);
    const [a, b] = await Promise.all([create(photo), create(photo)]);
    const [ra, rb] = await Promise.all([patch(a.location!, 0, photo), patch(b.location!, 0, photo)]);
    expect([ra.status, rb.status]).toEqual([204, 204]);
    expect(await photoFiles()).toEqual([sha256(photo)]);

    const again = await create(photo);
    expect(again.res.status).toBe(201);
    const status = await head(again.location!);
    expect(status.headers.get('upload-offset')).toBe('50000');
    expect(status.headers.get('upload-length')).toBe('50000');
  });

  describe('on a full disk', () => {
    let tmpfs: Tmpfs;
    afterEach(() => tmpfs?.remove());

    it('answers nothing as stored, says why, and takes the rest once space is back', async () => {
      tmpfs = mountTmpfs(512);
      await relay.close();
      await start({ filesDir: path.join(tmpfs.dir, 'files') });
      filesDir = path.join(tmpfs.dir, 'files');
      const photo = jpeg(300_000);
      const { location } = await create(photo);
      const ballast = path.join(tmpfs.dir, 'ballast');
      fillUp(ballast);
      const failed = await patch(location!, 0, photo);
      expect(failed.status).toBe(507);
      expect(await failed.text()).toMatch(/disk is full/);
      expect(await photoFiles()).toEqual([]);

      await rm(ballast);
      const offset = Number((await head(location!)).headers.get('upload-offset'));
      expect(offset).toBeLessThan(photo.byteLength);
      expect((await patch(location!, offset, photo.subarray(offset))).status).toBe(204);
      expect(await photoFiles()).toEqual([sha256(photo)]);
    });
  });
});

describe('PhotoStore.staleUploads', () => {
  it('names uploads whose bytes last changed more than the given age ago, not their .json', async () => {
    const { PhotoStore } = await import('../../relay/photos/PhotoStore');
    const { utimes, writeFile } = await import('node:fs/promises');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tally-photos-stale-'));
    try {
      const photos = new PhotoStore(dir);
      await photos.open();
      await writeFile(path.join(photos.uploadsDir, 'old'), 'x');
      await writeFile(path.join(photos.uploadsDir, 'old.json'), '{}');
      await writeFile(path.join(photos.uploadsDir, 'fresh'), 'x');
      const eightDaysAgo = (Date.now() - 8 * 24 * 3600 * 1000) / 1000;
      await utimes(path.join(photos.uploadsDir, 'old'), eightDaysAgo, eightDaysAgo);
      expect(await photos.staleUploads(7 * 24 * 3600 * 1000)).toEqual(['old']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
