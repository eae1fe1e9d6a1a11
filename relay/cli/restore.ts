/**
 * `npm run restore -- --from <file> --data <dir>`: checks a backup archive and
 * restores it into an empty data folder (restoreBackup.ts); refuses a folder
 * that holds data and a damaged archive, saying why. The restored folder has
 * a new store identity, so devices re-send what it lacks (storeIdentity.ts).
 */
import { restoreBackup } from '../backup/restoreBackup';
import { readCliOptions } from './cliOptions';

async function main(): Promise<void> {
  const values = readCliOptions(process.argv.slice(2), ['from', 'data']);
  if (!values.from || !values.data) throw new Error('usage: npm run restore -- --from <file> --data <dir>');
  const report = await restoreBackup({ archive: values.from, dataDir: values.data });
  process.stdout.write(
    `restored site ${report.manifest.site} from the backup of ${report.manifest.createdAt} into ${values.data}: ${report.documentEntries} document entries, ${report.photos} photos, new store identity ${report.storeId} (devices re-send what the backup lacks when they reconnect). Start the relay with TALLY_DATA=${values.data}.\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`restore refused: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
