/**
 * The photo upload floor: a bare node http server that takes `PUT /<name>`,
 * streams the body to `<PUT_FLOOR_DATA>/<name>`, fsyncs the file and its
 * folder, and answers 201. No resume, no checks, no auth: what storing a
 * photo durably costs on this machine before any protocol. Not a server
 * anyone would run; bench/workloads/photoUploads.ts sends it the same files.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const dir = process.env.PUT_FLOOR_DATA ?? './put-floor';
const port = Number(process.env.PORT ?? 0);

async function fsync(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function store(req: http.IncomingMessage, name: string): Promise<void> {
  const partial = path.join(dir, `${name}.partial`);
  await pipeline(req, createWriteStream(partial));
  await fsync(partial);
  await rename(partial, path.join(dir, name));
  await fsync(dir);
}

await mkdir(dir, { recursive: true });
http
  .createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    if (req.method !== 'PUT' || !/^[0-9a-f]{64}$/.test(name)) {
      res.writeHead(req.method === 'GET' ? 200 : 400).end();
      return;
    }
    store(req, name).then(
      () => res.writeHead(201).end(),
      () => res.destroy(),
    );
  })
  .listen(port, '127.0.0.1');
