/**
 * offerFirstAdminLink over a real users file in a temp folder: on a terminal
 * the link is printed; otherwise it goes to a 0600 file and the output only
 * names the file; the file goes once the admin signs in or no link is issued.
 * (The relay process itself: tests/relay/firstStart.test.ts.)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileUserStore } from '../../relay/auth/FileUserStore';
import { FIRST_ADMIN_LINK_FILE, offerFirstAdminLink } from '../../relay/auth/firstAdminLink';
import { silentLog } from '../../relay/log';
import { eventually } from '../support/eventually';

const URLS = ['http://localhost:8787', 'http://10.0.0.5:8787'];
const codeIn = (text: string): string | undefined => /enrol#code=(\S+)/.exec(text)?.[1];

describe('offerFirstAdminLink', () => {
  let dir = '';
  let users: FileUserStore;
  afterEach(async () => {
    await users?.close();
    await rm(dir, { recursive: true, force: true });
  });
  const start = async (): Promise<void> => {
    dir = await mkdtemp(join(tmpdir(), 'tally-first-link-'));
    users = await FileUserStore.open(dir, { watch: false });
  };
  const linkFile = (): string => join(dir, FIRST_ADMIN_LINK_FILE);
  /** Runs it and returns what it printed. */
  const offer = async (terminal: boolean): Promise<string> => {
    let out = '';
    const print = await offerFirstAdminLink({ users, urls: URLS, dataDir: dir, terminal, write: (t) => (out += t), log: silentLog });
    print();
    return out;
  };

  it('on a terminal prints the link for every URL (and a QR code), and writes no file', async () => {
    await start();
    await writeFile(linkFile(), 'from an earlier start\n');
    const out = await offer(true);
    expect(out).toContain(`${URLS[0]}/enrol#code=`);
    expect(out).toContain(`${URLS[1]}/enrol#code=`);
    expect(out.split('\n').length).toBeGreaterThan(10); // the QR code's rows
    expect(existsSync(linkFile())).toBe(false);
  });

  it('otherwise writes the links to a 0600 file, replacing an old one, and prints only where it is', async () => {
    await start();
    await writeFile(linkFile(), 'from an earlier start\n', { mode: 0o644 });
    const out = await offer(false);
    const file = await readFile(linkFile(), 'utf8');
    const code = codeIn(file)!;
    expect(file).toContain(`${URLS[0]}/enrol#code=${code}`);
    expect(file).toContain(`${URLS[1]}/enrol#code=${code}`);
    expect((await stat(linkFile())).mode & 0o777).toBe(0o600);
    expect(out).toContain(linkFile());
    expect(out).not.toContain(code);
    expect(out).not.toContain('enrol#code=');
  });

  it('removes the file once the admin has signed in with the link', async () => {
    await start();
    await offer(false);
    const code = codeIn(await readFile(linkFile(), 'utf8'))!;
    expect(await users.redeemEnrolment(code)).not.toBeNull();
    await eventually(() => !existsSync(linkFile()), 5_000, 'the link file removed');
  });

  it('removes a file left from an earlier start when it issues no link', async () => {
    await start();
    await users.add({ name: 'ann', role: 'admin' });
    await writeFile(linkFile(), 'from an earlier start\n', { mode: 0o600 });
    expect(await offer(false)).toBe('');
    expect(existsSync(linkFile())).toBe(false);
  });
});
