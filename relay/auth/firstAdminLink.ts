/**
 * The first-start admin sign-in link, a bearer credential (it enrols a
 * device as admin), shown only where only the person starting the relay
 * sees it: printed on a terminal, else written to a file in the data folder
 * that only the relay's user can read, because a service's stdout is often
 * a log file others can read.
 */
import { chmod, unlink } from 'node:fs/promises';
import path from 'node:path';
import qrcode from 'qrcode-terminal';
import { phoneLink } from '../http/lanNotice';
import type { RelayLog } from '../log';
import { writeFileAtomic } from './atomicFile';
import type { SnapshotUserStore } from './SnapshotUserStore';

/** The file's name inside the data folder. */
export const FIRST_ADMIN_LINK_FILE = 'first-admin-link.txt';

/** Owner read and write, nobody else. */
export const FIRST_ADMIN_LINK_MODE = 0o600;

/** The path of the link file in `dataDir`. */
export function firstAdminLinkPath(dataDir: string): string {
  return path.join(dataDir, FIRST_ADMIN_LINK_FILE);
}

/** Writes `text` to the link file (replacing any older one), mode 0600; returns its path. */
export async function writeFirstAdminLink(dataDir: string, text: string): Promise<string> {
  const file = firstAdminLinkPath(dataDir);
  // A new file, created 0600 and renamed over the old one: never a moment with the link readable by others.
  await writeFileAtomic(file, text, FIRST_ADMIN_LINK_MODE);
  // The umask may have taken bits away; make it exactly 0600.
  await chmod(file, FIRST_ADMIN_LINK_MODE);
  return file;
}

/** Removes the link file; true if there was one. */
export async function removeFirstAdminLink(dataDir: string): Promise<boolean> {
  try {
    await unlink(firstAdminLinkPath(dataDir));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** What `offerFirstAdminLink` needs. */
export interface FirstAdminLinkOptions {
  /** The users file the relay runs on. */
  users: SnapshotUserStore;
  /** The relay's URLs; the link is given for each. */
  urls: string[];
  /** The data folder, where the link file goes. */
  dataDir: string;
  /** True when the output is an interactive terminal (`process.stdout.isTTY`). */
  terminal: boolean;
  /** Writes to the relay's output. */
  write: (text: string) => void;
  log: RelayLog;
}

/**
 * Issues the first-start admin sign-in link while that admin has not signed
 * in. The link is a credential: it is printed (with a QR code) only on a
 * terminal; otherwise, when output goes to a log others may read, it is
 * written to a 0600 file in the data folder and the output says only where.
 * The file is removed once the admin has signed in, and on any start that
 * issues no link. Returns what to print after the listening lines.
 */
export async function offerFirstAdminLink(opts: FirstAdminLinkOptions): Promise<() => void> {
  const { users, urls, dataDir, log } = opts;
  const bootstrap = await users.bootstrapAdmin();
  if (!bootstrap || opts.terminal) {
    if (await removeFirstAdminLink(dataDir)) log.info({ file: firstAdminLinkPath(dataDir) }, 'removed an old first-start link file');
  }
  if (!bootstrap) return () => {};
  const links = urls.map((u) => `${u}${bootstrap.path}`);
  const text =
    `First start: no users yet. Open this link once to sign in as "${bootstrap.user.name}" (valid until ${new Date(bootstrap.expiresAt).toISOString()}):\n` +
    links.map((l) => `  ${l}\n`).join('');
  if (opts.terminal) {
    return () => {
      opts.write(`\n${text}`);
      // For the phone: the LAN address, https when TLS is on (the URLs carry the scheme the relay serves).
      qrcode.generate(phoneLink(links)!, { small: true }, (qr) => opts.write(`${qr}\n`));
    };
  }
  const file = await writeFirstAdminLink(dataDir, text);
  const unsubscribe = users.onChange(() => {
    if (users.bootstrapPending()) return;
    unsubscribe();
    removeFirstAdminLink(dataDir).then(
      () => log.info({ file }, 'the first admin signed in: removed the first-start link file'),
      (err: unknown) => log.error({ file, err: String(err) }, 'could not remove the first-start link file'),
    );
  });
  return () =>
    opts.write(
      `\nFirst start: no users yet. The one-time sign-in link for "${bootstrap.user.name}" is in ${file} ` +
        `(readable by this user only; removed once used). Output is not a terminal, so the link is not printed here.\n`,
    );
}
