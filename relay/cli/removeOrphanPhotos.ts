/**
 * `npm run remove-orphan-photos -- --data <dir> [--older-than 7d]`: removes
 * the photos `npm run orphan-photos` lists as unreferenced, printing each one
 * as it goes (relay/photos/orphanPhotos.ts). It refuses, removing nothing,
 * while the relay runs or any record cannot be read.
 */
import { parseDuration } from '../backup/BackupSchedule';
import { removeOrphanPhotos } from '../photos/orphanPhotos';
import { describePhoto, sizeOf } from './photoLines';
import { readCliOptions } from './cliOptions';

async function main(): Promise<void> {
  const values = readCliOptions(process.argv.slice(2), ['data', 'older-than']);
  const olderThan = values['older-than'] ?? '7d';
  if (!values.data) throw new Error('usage: npm run remove-orphan-photos -- --data <relay data folder> [--older-than 7d]');
  const result = await removeOrphanPhotos({
    dataDir: values.data,
    olderThanMs: parseDuration(olderThan),
    onRemoved: (photo) => process.stdout.write(`removed ${describePhoto(photo)}\n`),
  });
  const { scan, removed } = result;
  process.stdout.write(
    `${removed.length} unreferenced photos removed (${sizeOf(removed)}, with ${result.uploadsRemoved} finished uploads of them); ${scan.records} records read, ${scan.photos - removed.length} photos kept${scan.recent.length > 0 ? `, of which ${scan.recent.length} unreferenced but changed within ${olderThan}` : ''}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`remove-orphan-photos refused: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
