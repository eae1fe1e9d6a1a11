/**
 * The users CLI: `npm run users -- <command>` (dist/relay/users.mjs, bundled
 * from this file by build/relayBundle.ts; `tsx relay/cli/users.ts` works too).
 * Works on `<data>/users.json` and `<data>/devices.json` while the relay
 * runs; the relay notices user changes within seconds, and a released
 * device is free for the next user that names it.
 *
 * Exit codes: 0 done; 1 refused (duplicate name, unknown user or device,
 * already revoked, file locked or unreadable); 2 bad usage (unknown command or
 * option, missing role, invalid name).
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROLES, isRole } from '../../shared/auth/roles';
import { UserStoreError, type User } from '../auth/UserStore';
import { FileUserStore } from '../auth/FileUserStore';
import { FileDeviceStore } from '../auth/FileDeviceStore';
import type { DeviceBinding } from '../auth/DeviceStore';

export { bootstrapAdminIfEmpty, type BootstrapResult } from '../auth/bootstrapAdmin';

/** Where the CLI writes and what it reads; injectable for tests. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** Exit codes of the CLI. */
export const ExitCode = { ok: 0, refused: 1, usage: 2 } as const;

/** The help text. */
export const USAGE = `Usage: npm run users -- <command> [--data <dir>]

Commands:
  add <name> --role <role>   add a user and print their token (last line)
  list [--json]              list users (never tokens)
  revoke <name|id>           revoke a user; the relay refuses them within seconds
                             (their devices stay theirs until released)
  devices [--json]           list devices and the user each belongs to
  release-device <device>    free a device (lost and found, handed to someone
                             else): the next user to sign in on it owns it
  role <name|id> <role>      give a user another role (their token stays valid)
  help                       show this text

Roles: ${ROLES.join(', ')}
Options:
  --data <dir>   data folder (default: $TALLY_DATA, else ./data)`;

class UsageError extends Error {}

interface Parsed {
  command: string;
  args: string[];
  options: Map<string, string | true>;
}

const VALUE_OPTIONS = new Set(['data', 'role']);
const FLAG_OPTIONS = new Set(['json', 'help']);

function parse(argv: readonly string[]): Parsed {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h') {
      options.set('help', true);
      continue;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name = '', inline] = arg.slice(2).split(/=(.*)/s);
    if (FLAG_OPTIONS.has(name)) {
      options.set(name, true);
    } else if (VALUE_OPTIONS.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  const [command = 'help', ...args] = positional;
  return { command, args, options };
}

function expectArgs(parsed: Parsed, count: number, what: string): void {
  if (parsed.args.length !== count) throw new UsageError(`${parsed.command} takes ${what}`);
}

function describeUser(u: User): string {
  return `${u.name} (${u.role}), id ${u.id}`;
}

const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** Rows as aligned columns. */
function columns(table: string[][]): string[] {
  const widths = table[0]?.map((_, c) => Math.max(...table.map((r) => (r[c] as string).length))) ?? [];
  return table.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd());
}

function listTable(users: readonly User[]): string[] {
  if (users.length === 0) return ['No users yet. Add one with: npm run users -- add <name> --role <role>'];
  const rows = users.map((u) => [u.id, u.name, u.role, when(u.createdAt), u.revokedAt === undefined ? 'active' : `revoked ${when(u.revokedAt)}`]);
  return columns([['ID', 'NAME', 'ROLE', 'CREATED (UTC)', 'STATUS'], ...rows]);
}

function devicesTable(devices: readonly DeviceBinding[], users: FileUserStore): string[] {
  if (devices.length === 0) return ['No devices yet: a device is bound to the first user who signs in or connects with it.'];
  const rows = devices.map((d) => {
    const user = users.get(d.user);
    const owner = user ? `${user.name}${user.revokedAt === undefined ? '' : ' (revoked)'}` : '(unknown user)';
    return [d.device, owner, d.user, when(d.firstSeenAt)];
  });
  return columns([['DEVICE', 'USER', 'USER ID', 'FIRST SEEN (UTC)'], ...rows]);
}

async function run(parsed: Parsed, dataDir: string, io: CliIo): Promise<void> {
  const store = await FileUserStore.open(dataDir, { watch: false });
  try {
    switch (parsed.command) {
      case 'add': {
        expectArgs(parsed, 1, 'one name (quote names with spaces)');
        const role = parsed.options.get('role');
        if (typeof role !== 'string') throw new UsageError(`add needs --role <${ROLES.join('|')}>`);
        if (!isRole(role)) throw new UsageError(`unknown role "${role}": expected one of ${ROLES.join(', ')}`);
        const { user, token } = await store.add({ name: parsed.args[0] as string, role });
        io.out(`Added ${describeUser(user)} in ${store.path}.`);
        io.out(`Token for ${user.name}, shown only this once (the relay keeps only its hash):`);
        io.out(token);
        return;
      }
      case 'list': {
        expectArgs(parsed, 0, 'no arguments');
        const users = store.list();
        if (parsed.options.get('json') === true) io.out(JSON.stringify(users, null, 2));
        else listTable(users).forEach((line) => io.out(line));
        return;
      }
      case 'devices': {
        expectArgs(parsed, 0, 'no arguments');
        const devices = (await FileDeviceStore.open(dataDir)).list();
        if (parsed.options.get('json') === true) io.out(JSON.stringify(devices, null, 2));
        else devicesTable(devices, store).forEach((line) => io.out(line));
        return;
      }
      case 'release-device': {
        expectArgs(parsed, 1, 'one device id');
        const device = parsed.args[0] as string;
        const devices = await FileDeviceStore.open(dataDir);
        const released = await devices.release(device).finally(() => devices.close());
        if (!released) throw new UserStoreError('notFound', `no device ${JSON.stringify(device)} is bound to a user`);
        io.out(`Released device ${device} (was ${store.get(released.user)?.name ?? released.user}'s). The next user to sign in or connect with it owns it.`);
        return;
      }
      case 'role': {
        expectArgs(parsed, 2, 'a name or id and a role');
        const role = parsed.args[1] as string;
        if (!isRole(role)) throw new UsageError(`unknown role "${role}": expected one of ${ROLES.join(', ')}`);
        const user = await store.setRole(parsed.args[0] as string, role);
        io.out(`${describeUser(user)} now. Their devices get the new role when they next connect.`);
        return;
      }
      case 'revoke': {
        expectArgs(parsed, 1, 'one name or id');
        const user = await store.revoke(parsed.args[0] as string);
        io.out(`Revoked ${describeUser(user)}. A running relay refuses their devices within seconds.`);
        return;
      }
      default:
        throw new UsageError(`unknown command "${parsed.command}"`);
    }
  } finally {
    await store.close();
  }
}

/** Runs the CLI with `argv` (arguments after the script) and returns the exit code. */
export async function runUsersCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const parsed = parse(argv);
    if (parsed.command === 'help' || parsed.options.get('help') === true) {
      io.out(USAGE);
      return ExitCode.ok;
    }
    const data = parsed.options.get('data');
    const dataDir = resolve(io.cwd, typeof data === 'string' ? data : (io.env.TALLY_DATA ?? './data'));
    await run(parsed, dataDir, io);
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}\n\n${USAGE}`);
      return ExitCode.usage;
    }
    if (error instanceof UserStoreError) {
      io.err(`error: ${error.message}`);
      return error.code === 'invalid' ? ExitCode.usage : ExitCode.refused;
    }
    io.err(`error: ${(error as Error).message ?? String(error)}`);
    return ExitCode.refused;
  }
}

function isMain(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const io: CliIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
  process.exitCode = await runUsersCli(process.argv.slice(2), io);
}
