// A backup taken as `npm run backup` takes it, in a process of its own (so the
// load generator's timing is not disturbed by reading a gigabyte):
// `node bench/clients/backupDownload.mjs <url> <token> <file | ->` streams
// GET /api/admin/backup to <file> (or counts and drops it with `-`) and
// prints {"bytes": n, "cpuMs": m} once the relay has sent all of it (m: this
// process's CPU time). The file is written as `npm run backup` writes it:
// synced every MiB (relay/backup/syncedWriteStream.ts), so its writeback
// does not pile up behind the relay's fsyncs on the same disk.
import { open } from 'node:fs/promises';
import http from 'node:http';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const [url, token, out] = process.argv.slice(2);
const res = await new Promise((resolve, reject) => http.get(url, { headers: { authorization: `Bearer ${token}` } }, resolve).on('error', reject));
if (res.statusCode !== 200) {
  process.stderr.write(`the relay answered ${res.statusCode}\n`);
  process.exit(1);
}
let bytes = 0;
res.on('data', (chunk) => (bytes += chunk.byteLength));
await pipeline(res, out === '-' ? new Writable({ write: (_chunk, _enc, done) => done() }) : await syncedFile(out));
const cpu = process.cpuUsage();
process.stdout.write(`${JSON.stringify({ bytes, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);

/** A writable into `file`, its data synced every MiB and at the end. */
async function syncedFile(file) {
  const handle = await open(file, 'w');
  let unsynced = 0;
  return new Writable({
    write(chunk, _enc, done) {
      (async () => {
        for (let at = 0; at < chunk.byteLength; ) at += (await handle.write(chunk, at, chunk.byteLength - at)).bytesWritten;
        unsynced += chunk.byteLength;
        if (unsynced >= 2 ** 20) {
          unsynced = 0;
          await handle.datasync();
        }
      })().then(() => done(), done);
    },
    final(done) {
      handle.sync().then(() => handle.close()).then(() => done(), done);
    },
  });
}
