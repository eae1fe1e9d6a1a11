// A backup taken as `npm run backup` takes it, in a process of its own (so the
// load generator's timing is not disturbed by reading a gigabyte):
// `node bench/clients/backupDownload.mjs <url> <token> <file | ->` streams
// GET /api/admin/backup to <file> (or counts and drops it with `-`) and
// prints {"bytes": n, "cpuMs": m} once the relay has sent all of it (m: this
// process's CPU time).
import { createWriteStream } from 'node:fs';
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
await pipeline(res, out === '-' ? new Writable({ write: (_chunk, _enc, done) => done() }) : createWriteStream(out));
const cpu = process.cpuUsage();
process.stdout.write(`${JSON.stringify({ bytes, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
