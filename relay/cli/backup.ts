/**
 * `npm run backup -- --relay <url> --token <admin token> --out <file>`: takes
 * a backup from a running relay (GET /api/admin/backup) into `<file>`,
 * checks it entry by entry, and only then gives it its name.
 */
import { mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { unpackBackup } from '../backup/restoreBackup';
import { syncedWriteStream } from '../backup/syncedWriteStream';
import { readCliOptions } from './cliOptions';

async function main(): Promise<void> {
  const values = readCliOptions(process.argv.slice(2), ['relay', 'token', 'out']);
  if (!values.relay || !values.token || !values.out) throw new Error('usage: npm run backup -- --relay <url> --token <admin token> --out <file>');
  const res = await fetch(new URL('/api/admin/backup', values.relay), { headers: { authorization: `Bearer ${values.token}` } });
  if (!res.ok || !res.body) throw new Error(`the relay answered ${res.status}: ${(await res.text()).trim()}`);
  const partial = `${values.out}.partial`;
  // Synced as it goes: on the relay's own box a gigabyte of dirty pages would hold up the relay's fsyncs.
  await pipeline(Readable.fromWeb(res.body as never), syncedWriteStream(partial));
  // Checked before it is named: a backup that would not restore is no backup.
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'tally-backup-check-'));
  try {
    const manifest = await unpackBackup(partial, scratch);
    await rename(partial, values.out);
    process.stdout.write(`backup of site ${manifest.site} written to ${values.out}: ${manifest.documentEntries} document entries, ${manifest.entries.length} archive entries, all checksums good\n`);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`backup failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
