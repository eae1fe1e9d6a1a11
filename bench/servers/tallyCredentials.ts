/**
 * The relay admits only enrolled users. Once per run the bench enrols one
 * crew user with the relay's own users CLI, copies that `users.json` into
 * every fresh Tally data directory, and connects with its token; the bench's
 * entries are signed with that user's id, as the relay's policy demands.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { USERS_CLI_ARGS } from '../../build/relayBundle';
import { repoRoot } from './ChildServer';

export interface TallyCredentials {
  token: string;
  userId: string;
  /** users.json to copy into a fresh data directory. */
  usersFile: string;
}

let credentials: TallyCredentials | null = null;

/** The run's credentials, enrolling the bench user on first use with the bundled CLI (null if the relay has no users CLI). */
export function tallyCredentials(): TallyCredentials | null {
  if (credentials) return credentials;
  if (!existsSync(join(repoRoot, 'relay/cli/users.ts'))) return null;
  const dir = mkdtempSync(join(tmpdir(), 'bench-tally-users-'));
  const out = execFileSync(process.execPath, [...USERS_CLI_ARGS, 'add', 'bench-crew', '--role', 'crew', '--data', dir], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  const lines = out.trim().split('\n');
  const id = /, id (\S+) in /.exec(out)?.[1];
  const token = lines[lines.length - 1]!.trim();
  if (!id || !token) throw new Error(`could not read the bench user from the users CLI:\n${out}`);
  credentials = { token, userId: id, usersFile: join(dir, 'users.json') };
  return credentials;
}

/** Puts the bench user into a fresh Tally data directory. */
export function enrolInto(dataDir: string): void {
  const c = tallyCredentials();
  if (c) copyFileSync(c.usersFile, join(dataDir, 'users.json'));
}

/** Query string for a Tally WebSocket URL: the token and a device id. */
export function tallyQuery(device: string): string {
  const token = process.env.BENCH_TALLY_TOKEN ?? tallyCredentials()?.token;
  const params = new URLSearchParams({ device });
  if (token) params.set('token', token);
  return `?${params.toString()}`;
}
