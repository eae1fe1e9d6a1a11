/**
 * UploadHashes: the running SHA-256 of uploads on their way in, with real
 * files in a temp folder standing for the bytes already on disk.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UploadHashes, type HashTap } from '../../relay/photos/UploadHashes';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Sends `bytes` through the tap in small chunks, as a request body arrives; resolves with the bytes that came out. */
async function through(tap: HashTap, bytes: Uint8Array): Promise<Buffer> {
  const out: Buffer[] = [];
  const chunks = Array.from({ length: Math.ceil(bytes.byteLength / 1000) }, (_, i) => Buffer.from(bytes.subarray(i * 1000, (i + 1) * 1000)));
  await pipeline(Readable.from(chunks), tap.stream, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk);
  });
  return Buffer.concat(out);
}

describe('UploadHashes', () => {
  let dir: string;
  let file: string;
  const photo = new Uint8Array(randomBytes(10_000));
  const half = 4_321;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-upload-hashes-'));
    file = path.join(dir, 'upload');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('tap and digest', () => {
    it('hashes an upload sent in one write, passes its bytes on unchanged, and forgets it once digested', async () => {
      const hashes = new UploadHashes();
      const tap = await hashes.tap('a', file, 0);
      expect(await through(tap, photo)).toEqual(Buffer.from(photo));
      tap.wrote(photo.byteLength);
      expect(hashes.size).toBe(1);
      expect(hashes.digest('a', photo.byteLength)).toBe(sha256(photo));
      expect(hashes.size).toBe(0);
      expect(hashes.digest('a', photo.byteLength)).toBeNull();
    });

    it('continues a resumed upload from memory, without reading the bytes on disk', async () => {
      const hashes = new UploadHashes();
      const first = await hashes.tap('a', file, 0);
      await through(first, photo.subarray(0, half));
      first.wrote(half);
      // Other bytes on disk: a digest of the photo proves the first half's hash came from memory.
      await writeFile(file, randomBytes(half));
      const rest = await hashes.tap('a', file, half);
      await through(rest, photo.subarray(half));
      rest.wrote(photo.byteLength);
      expect(hashes.digest('a', photo.byteLength)).toBe(sha256(photo));
    });

    it.each([
      ['after a restart (nothing in memory)', (_hashes: UploadHashes) => new UploadHashes()],
      ['when the last write failed (never told it wrote)', (hashes: UploadHashes) => hashes],
    ])('hashes the bytes already on disk %s', async (_case, next) => {
      const hashes = new UploadHashes();
      const first = await hashes.tap('a', file, 0);
      await through(first, photo.subarray(0, 6_000));
      // The write failed after `half` bytes reached the disk: wrote() is never called.
      await writeFile(file, photo.subarray(0, half));
      const again = next(hashes);
      const rest = await again.tap('a', file, half);
      await through(rest, photo.subarray(half));
      rest.wrote(photo.byteLength);
      expect(again.digest('a', photo.byteLength)).toBe(sha256(photo));
    });

    it('re-reads the disk when the offset is not where the kept hash ended', async () => {
      const hashes = new UploadHashes();
      const first = await hashes.tap('a', file, 0);
      await through(first, photo.subarray(0, 6_000));
      first.wrote(6_000);
      await writeFile(file, photo.subarray(0, half));
      const rest = await hashes.tap('a', file, half);
      await through(rest, photo.subarray(half));
      rest.wrote(photo.byteLength);
      expect(hashes.digest('a', photo.byteLength)).toBe(sha256(photo));
    });

    it('gives no digest when the file holds fewer bytes than the offset, or the size is not what it hashed', async () => {
      const hashes = new UploadHashes();
      await writeFile(file, photo.subarray(0, 100));
      const short = await hashes.tap('a', file, half);
      await through(short, photo.subarray(half));
      short.wrote(photo.byteLength);
      expect(hashes.digest('a', photo.byteLength)).toBeNull();

      const whole = await hashes.tap('b', file, 0);
      await through(whole, photo);
      whole.wrote(photo.byteLength);
      expect(hashes.digest('b', photo.byteLength + 1)).toBeNull();
    });
  });

  describe('bounds', () => {
    it('keeps at most `max` running hashes, dropping the least recently written', async () => {
      const hashes = new UploadHashes(2);
      for (const id of ['a', 'b', 'c']) {
        const tap = await hashes.tap(id, file, 0);
        await through(tap, photo);
        tap.wrote(photo.byteLength);
      }
      expect(hashes.size).toBe(2);
      expect(hashes.digest('a', photo.byteLength)).toBeNull();
      expect(hashes.digest('c', photo.byteLength)).toBe(sha256(photo));
    });

    it('forgets a removed upload', async () => {
      const hashes = new UploadHashes();
      const tap = await hashes.tap('a', file, 0);
      await through(tap, photo.subarray(0, half));
      tap.wrote(half);
      hashes.forget('a');
      expect(hashes.size).toBe(0);
    });
  });
});
