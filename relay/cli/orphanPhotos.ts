/**
 * `npm run orphan-photos -- --data <dir> [--older-than 7d]`: lists the photos
 * in `<dir>/files/photos/` that no record references (relay/photos/orphanPhotos.ts).
 * Removes nothing: `npm run remove-orphan-photos` does, when asked. The relay
 * must be stopped (the command says so otherwise); to list while it runs,
 * restore a backup into a scratch folder and point `--data` there.
 */
import { parseDuration } from '../backup/BackupSchedule';
import { scanOrphanPhotos, type OrphanScan } from '../photos/orphanPhotos';
import { describePhoto, sizeOf } from './photoLines';
import { readCliOptions } from './cliOptions';

async function main(): Promise<void> {
  const values = readCliOptions(process.argv.slice(2), ['data', 'older-than']);
  if (!values.data) throw new Error('usage: npm run orphan-photos -- --data <relay data folder> [--older-than 7d]');
  const olderThan = values['older-than'] ?? '7d';
  const found = await scanOrphanPhotos({ dataDir: values.data, olderThanMs: parseDuration(olderThan) });
  process.stdout.write(report(found, values.data, olderThan));
  if (found.unreadable.length > 0) process.exitCode = 2;
}

function report(found: OrphanScan, dataDir: string, olderThan: string): string {
  const lines = [`${found.records} records read; ${found.photos} photos stored; ${found.referenced} photo names referenced by records`];
  for (const { doc, reason } of found.unreadable) lines.push(`UNREADABLE record ${doc}: ${reason}`);
  if (found.unreadable.length > 0) lines.push('Photos only these records reference would look unreferenced: remove-orphan-photos will refuse until they read.');
  lines.push(`${found.orphans.length} unreferenced photos last changed more than ${olderThan} ago (${sizeOf(found.orphans)}):`);
  for (const photo of found.orphans) lines.push(`  ${describePhoto(photo)}`);
  if (found.recent.length > 0) {
    lines.push(`${found.recent.length} unreferenced photos changed within ${olderThan}, kept (their record change may still be on a device):`);
    for (const photo of found.recent) lines.push(`  ${describePhoto(photo)}`);
  }
  if (found.orphans.length > 0) lines.push(`To remove the ${found.orphans.length} listed first: npm run remove-orphan-photos -- --data ${dataDir} --older-than ${olderThan}`);
  return `${lines.join('\n')}\n`;
}

main().catch((err: unknown) => {
  process.stderr.write(`orphan-photos: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
