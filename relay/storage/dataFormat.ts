/**
 * The data folder's format version, in `<data>/FORMAT`. A relay refuses to
 * start on a folder written by a newer Tally (it could misread it), stamps a
 * new folder, and brings an older one forward only after writing a backup
 * beside it (`<data>.before-format-<n>.tar`): an upgrade can always be undone.
 */
import { createWriteStream } from 'node:fs';
import { open, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The format this relay writes and reads. */
export const DATA_FORMAT = 1;
export const FORMAT_FILE = 'FORMAT';

/** What to do with a data folder, by the format it says it has. */
export type FormatDecision = { kind: 'stamp' } | { kind: 'current' } | { kind: 'migrate'; from: number } | { kind: 'refuse'; reason: string };

/**
 * The decision for a folder whose FORMAT says `found` (null: no FORMAT file),
 * which holds data or not. A folder with data but no FORMAT file was written
 * before the file existed: format 1.
 */
export function decideFormat(found: number | null, holdsData: boolean, current: number = DATA_FORMAT): FormatDecision {
  const version = found ?? (holdsData ? 1 : null);
  if (version === null) return { kind: 'stamp' };
  if (version > current) {
    return { kind: 'refuse', reason: `this data folder was written by a newer Tally (data format ${version}; this relay reads format ${current}): run that version, or restore a backup into a new folder` };
  }
  if (version < current) return { kind: 'migrate', from: version };
  return found === null ? { kind: 'stamp' } : { kind: 'current' };
}

/** Options of `prepareDataFolder`. */
export interface PrepareOptions {
  dataDir: string;
  /** Writes a backup archive of the folder to `out` (inProcessBackups over the open store). */
  backup: (out: NodeJS.WritableStream) => Promise<unknown>;
  /** Steps that bring format n to n + 1, by n. */
  migrations?: Readonly<Record<number, () => Promise<void>>>;
  current?: number;
}

/** Checks the folder's format and stamps or migrates it; throws (with the reason) when the relay must not start. */
export async function prepareDataFolder(options: PrepareOptions): Promise<FormatDecision> {
  const current = options.current ?? DATA_FORMAT;
  const file = path.join(options.dataDir, FORMAT_FILE);
  const text = await readFile(file, 'utf8').catch(() => null);
  const found = text === null ? null : Number(/^tally-data (\d+)\s*$/.exec(text)?.[1] ?? NaN);
  if (found !== null && !Number.isSafeInteger(found)) throw new Error(`${file} is not readable (${JSON.stringify(text?.slice(0, 40))}): the data folder may be damaged`);
  const entries = (await readdir(options.dataDir).catch(() => [] as string[])).filter((n) => n !== FORMAT_FILE);
  const decision = decideFormat(found, entries.length > 0, current);
  if (decision.kind === 'refuse') throw new Error(decision.reason);
  if (decision.kind === 'migrate') {
    const archive = `${path.resolve(options.dataDir)}.before-format-${current}.tar`;
    await options.backup(createWriteStream(archive));
    for (let v = decision.from; v < current; v++) {
      const step = options.migrations?.[v];
      if (!step) throw new Error(`no way to bring data format ${v} to ${v + 1}`);
      await step();
    }
  }
  if (decision.kind !== 'current') await writeDurably(file, `tally-data ${current}\n`);
  return decision;
}

async function writeDurably(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp`;
  await writeFile(temp, text);
  const handle = await open(temp, 'r+');
  await handle.sync();
  await handle.close();
  await rename(temp, file);
  const dir = await open(path.dirname(file), 'r');
  await dir.sync();
  await dir.close();
}
