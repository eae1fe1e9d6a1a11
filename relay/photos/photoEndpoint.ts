/**
 * `/files/`: photos in and out (PROTOCOL.md §3). In, with the tus 1.0
 * protocol (@tus/server over @tus/file-store): `POST /files/` creates an
 * upload, `HEAD` and `PATCH` on its Location resume and send it; the final
 * PATCH is answered once the photo is checked and on disk (PhotoStore). Out,
 * `GET /files/<sha256>` with an ETag, immutable caching and byte ranges.
 * Every request needs `Authorization: Bearer <token>`; an auditor reads but
 * never uploads.
 */
import { createReadStream } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { Server, type Upload } from '@tus/server';
import { canWrite } from '../../shared/auth/roles';
import type { User, UserStore } from '../auth/UserStore';
import type { RelayLog } from '../log';
import { isImageType, isSha256Hex, parseByteRange } from './photoBytes';
import { isRefusal, type PhotoStore } from './PhotoStore';
import { UploadHashes } from './UploadHashes';

/** Default of TALLY_MAX_PHOTO_BYTES: a 12-megapixel photo compressed on the phone is a few hundred KB. */
export const DEFAULT_MAX_PHOTO_BYTES = 20 * 1024 * 1024;
const ROUTE = '/files';

/** What the photo endpoint needs. */
export interface PhotoEndpointOptions {
  store: PhotoStore;
  users: UserStore;
  /** Uploads declaring more bytes are refused at creation (413). */
  maxPhotoBytes: number;
  log: RelayLog;
}

/** An error a hook throws for @tus/server to answer as it is. */
interface TusAnswer {
  status_code: number;
  body: string;
}

const answer = (status: number, body: string): TusAnswer => ({ status_code: status, body });

/**
 * The upload store: @tus/file-store, where an upload of a photo the relay
 * already has is complete at once, and each upload is hashed as it streams
 * to disk (a finished photo is not read again to check it).
 */
class PhotoUploadStore extends FileStore {
  readonly hashes = new UploadHashes();

  constructor(private readonly photos: PhotoStore) {
    super({ directory: photos.uploadsDir });
  }

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const tap = await this.hashes.tap(id, path.join(this.photos.uploadsDir, id), offset);
    // pipe() passes errors neither way: pass them both ways, so a failed write (a full disk's ENOSPC among
    // them) ends the request's stream with its own error, as it does without the tap.
    readable.once('error', (err) => tap.stream.destroy(err));
    tap.stream.once('error', (err) => readable.destroy(err));
    const end = await super.write(readable.pipe(tap.stream), id, offset);
    tap.wrote(end);
    return end;
  }

  override async remove(id: string): Promise<void> {
    this.hashes.forget(id);
    await super.remove(id);
  }

  override async create(upload: Upload): Promise<Upload> {
    const created = await super.create(upload);
    const sha256 = upload.metadata?.sha256;
    if (isSha256Hex(sha256) && upload.size !== undefined && (await this.photos.completeFromStored(path.join(this.photos.uploadsDir, upload.id), sha256, upload.size))) {
      created.offset = upload.size;
    }
    return created;
  }
}

/** An upload that made no progress for this long is removed (the device that started it gave up or is gone). */
export const STALE_UPLOAD_MS = 7 * 24 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 6 * 60 * 60 * 1000;

/** The `/files` endpoint: `handle` returns false for paths it does not own; `close` stops its sweeps. */
export interface PhotoEndpoint {
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  close(): void;
}

/** See the module comment. */
export function photoEndpoint(options: PhotoEndpointOptions): PhotoEndpoint {
  const { store, users, maxPhotoBytes, log } = options;
  const datastore = new PhotoUploadStore(store);
  const sweep = (): void => {
    void store
      .staleUploads(STALE_UPLOAD_MS)
      .then(async (ids) => {
        for (const id of ids) await datastore.remove(id).catch(() => undefined);
        if (ids.length > 0) log.info({ uploads: ids.length }, 'removed uploads that made no progress for 7 days');
      })
      .catch((err: unknown) => log.warn({ err: String(err) }, 'cannot sweep stale photo uploads'));
  };
  sweep();
  const sweeping = setInterval(sweep, SWEEP_EVERY_MS);
  sweeping.unref();
  const tus = new Server({
    path: ROUTE,
    datastore,
    maxSize: maxPhotoBytes,
    relativeLocation: true,
    async onUploadCreate(_req, upload) {
      const { sha256, filetype } = upload.metadata ?? {};
      if (!isSha256Hex(sha256)) throw answer(400, 'Upload-Metadata must name the photo: sha256 (64 lowercase hex digits of the whole file)');
      if (!isImageType(filetype)) throw answer(400, 'Upload-Metadata filetype must be image/jpeg, image/png or image/webp');
      return {};
    },
    async onUploadFinish(_req, upload) {
      const sha256 = upload.metadata?.sha256 ?? '';
      const digest = upload.size === undefined ? null : datastore.hashes.digest(upload.id, upload.size);
      const stored = await store.accept(path.join(store.uploadsDir, upload.id), sha256, digest);
      if (isRefusal(stored)) {
        await datastore.remove(upload.id).catch(() => undefined);
        log.warn({ upload: upload.id, sha256, reason: stored.reason }, 'photo upload refused');
        throw answer(stored.status, `photo refused: ${stored.reason}`);
      }
      log.info({ sha256, bytes: stored.size }, 'photo stored');
      return {};
    },
    onResponseError(_req, err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return answer(507, "the relay's disk is full: the photo stays on the device and is sent again later");
      return undefined;
    },
  });

  const userOf = (req: http.IncomingMessage): User | null => {
    const header = req.headers.authorization ?? '';
    return header.startsWith('Bearer ') ? users.authenticate(header.slice(7).trim()) : null;
  };
  const refuse = (res: http.ServerResponse, status: number, message: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'tus-resumable': '1.0.0' });
    res.end(`${message}\n`);
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    if (pathname !== ROUTE && !pathname.startsWith(`${ROUTE}/`)) return false;
    const user = userOf(req);
    if (!user) {
      refuse(res, 401, 'missing or invalid token (Authorization: Bearer <token>)');
      return true;
    }
    const name = pathname.slice(ROUTE.length + 1);
    const isTus = req.headers['tus-resumable'] !== undefined || req.method === 'POST' || req.method === 'PATCH' || req.method === 'OPTIONS' || req.method === 'DELETE';
    if (!isTus && (req.method === 'GET' || req.method === 'HEAD')) {
      void servePhoto(store, name, req, res).catch((err: unknown) => {
        log.error({ err: String(err), photo: name }, 'cannot serve a photo');
        if (!res.headersSent) refuse(res, 500, 'cannot read the photo');
        else res.destroy();
      });
      return true;
    }
    if (req.method !== 'HEAD' && req.method !== 'OPTIONS' && !canWrite(user.role)) {
      refuse(res, 403, `a ${user.role} may read photos but not upload them`);
      return true;
    }
    const declared = Number(req.headers['upload-length']);
    if (req.method === 'POST' && Number.isFinite(declared) && declared > maxPhotoBytes) {
      refuse(res, 413, `this photo is ${mib(declared)}; the relay takes photos of at most ${mib(maxPhotoBytes)} (TALLY_MAX_PHOTO_BYTES)`);
      return true;
    }
    void tus.handle(req, res).catch((err: unknown) => {
      log.error({ err: String(err) }, 'photo upload failed');
      if (!res.headersSent) refuse(res, 500, 'the upload failed on the relay');
    });
    return true;
  };
  return { handle, close: () => clearInterval(sweeping) };
}

/** `GET /files/<sha256>`: the photo, cacheable forever (its name is its content), in ranges. */
async function servePhoto(store: PhotoStore, name: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const photo = await store.get(name);
  if (!photo) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('no such photo on the relay\n');
    return;
  }
  const etag = `"${photo.sha256}"`;
  const headers = { etag, 'cache-control': 'private, max-age=31536000, immutable', 'accept-ranges': 'bytes', 'content-type': photo.type };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const range = parseByteRange(req.headers.range, photo.size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${photo.size}` });
    res.end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: photo.size - 1 };
  res.writeHead(range ? 206 : 200, { ...headers, 'content-length': String(end - start + 1), ...(range && { 'content-range': `bytes ${start}-${end}/${photo.size}` }) });
  if (req.method === 'HEAD' || photo.size === 0) {
    res.end();
    return;
  }
  createReadStream(photo.file, { start, end }).on('error', () => res.destroy()).pipe(res);
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
