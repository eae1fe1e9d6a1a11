/**
 * The data folder's identity, in `<data>/IDENTITY` beside FORMAT: a random id
 * made when the folder is first used, kept for its whole life, and replaced
 * by `npm run restore` with a new one. A restored folder is a different
 * history (it may lack changes the old one acknowledged after the backup),
 * so devices, told the identity in the mux `status` frame, know their earlier
 * acknowledgements no longer vouch for anything (PROTOCOL.md §2). A backup
 * never carries the file: every restore is a new identity.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const IDENTITY_FILE = 'IDENTITY';
const LINE = /^tally-store ([0-9a-f]{32})\s*$/;

/** A new random identity: 32 lowercase hex digits (128 bits). */
export function newStoreIdentity(): string {
  return randomBytes(16).toString('hex');
}

/** The identity of `dataDir`, or null when it has none; throws when the file is there but unreadable. */
export async function readStoreIdentity(dataDir: string): Promise<string | null> {
  const file = path.join(dataDir, IDENTITY_FILE);
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (text === null) return null;
  const id = LINE.exec(text)?.[1];
  if (!id) throw new Error(`${file} is not readable (${JSON.stringify(text.slice(0, 40))}): the data folder may be damaged`);
  return id;
}

/** Gives `dataDir` a new identity (replacing any), written durably; resolves with it. */
export async function writeStoreIdentity(dataDir: string, id: string = newStoreIdentity()): Promise<string> {
  const file = path.join(dataDir, IDENTITY_FILE);
  const temp = `${file}.tmp`;
  await writeFile(temp, `tally-store ${id}\n`);
  const handle = await open(temp, 'r+');
  await handle.sync();
  await handle.close();
  await rename(temp, file);
  const dir = await open(dataDir, 'r');
  await dir.sync();
  await dir.close();
  return id;
}

/**
 * The identity of `dataDir`, made now if it has none (a new folder, or one
 * written before identities existed: from here on it is told apart from any
 * restore of it).
 */
export async function ensureStoreIdentity(dataDir: string): Promise<{ id: string; made: boolean }> {
  const found = await readStoreIdentity(dataDir);
  if (found !== null) return { id: found, made: false };
  return { id: await writeStoreIdentity(dataDir), made: true };
}
