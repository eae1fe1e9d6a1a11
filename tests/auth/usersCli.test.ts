import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileUserStore, USERS_FILE } from '../../relay/auth/FileUserStore';
import { ExitCode, runUsersCli, type CliIo } from '../../relay/cli/users';
import { FileDeviceStore } from '../../relay/auth/FileDeviceStore';
import { toDeviceId } from '../../shared/model/ids';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CLI = join(ROOT, 'relay/cli/users.ts');
const dirs: string[] = [];
const stores: FileUserStore[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tally-cli-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a real child process, the way `npx tsx relay/cli/users.ts ...` does. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(TSX, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) as string;

describe('users CLI as a child process', () => {
  it('add prints the token as the last line; it signs the user in', async () => {
    const data = await tempDir();
    const run = await cli(['add', 'Ann B', '--role', 'crew', '--data', data]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const token = lastLine(run.stdout);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const store = await FileUserStore.open(data, { watch: false });
    stores.push(store);
    expect(store.authenticate(token)).toMatchObject({ name: 'Ann B', role: 'crew' });
  });

  it('list shows users and never a token or hash; revoke is noticed by a running relay store', async () => {
    const data = await tempDir();
    const token = lastLine((await cli(['add', 'ann', '--role=supervisor'], { TALLY_DATA: data })).stdout);
    const relay = await FileUserStore.open(data, { pollMs: 1_000 });
    stores.push(relay);
    expect(relay.authenticate(token)?.name).toBe('ann');

    const list = await cli(['list', '--data', data]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/ann\s+supervisor\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+active/);
    const file = await readFile(join(data, USERS_FILE), 'utf8');
    const hash = (JSON.parse(file) as { users: { tokenHash: string }[] }).users[0]?.tokenHash as string;
    expect(list.stdout).not.toContain(token);
    expect(list.stdout).not.toContain(hash);

    const refused = new Promise<void>((done) => relay.onChange(() => relay.authenticate(token) === null && done()));
    const started = Date.now();
    const revoke = await cli(['revoke', 'ann', '--data', data]);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toMatch(/Revoked ann \(supervisor\)/);
    await refused;
    expect(Date.now() - started).toBeLessThan(10_000);

    const json = await cli(['list', '--json', '--data', data]);
    const users = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(users).toHaveLength(1);
    expect(users[0]).toHaveProperty('revokedAt');
    expect(json.stdout).not.toContain('tokenHash');
  });

  it('role gives a user another role, and a running relay store sees it with the same token', async () => {
    const data = await tempDir();
    const token = lastLine((await cli(['add', 'ann', '--role', 'crew', '--data', data])).stdout);
    const relay = await FileUserStore.open(data, { pollMs: 1_000 });
    stores.push(relay);
    const changed = new Promise<void>((done) => relay.onChange(() => relay.authenticate(token)?.role === 'auditor' && done()));
    const role = await cli(['role', 'ann', 'auditor', '--data', data]);
    expect(role).toMatchObject({ code: 0, stderr: '' });
    expect(role.stdout).toMatch(/^ann \(auditor\), id \S+ now\./);
    await changed;
    const bad = await cli(['role', 'ann', 'boss', '--data', data]);
    expect(bad.code).toBe(ExitCode.usage);
    expect(bad.stderr).toMatch(/unknown role "boss"/);
  });

  it('fails with a clear message and exit code on bad input', async () => {
    const data = await tempDir();
    const badRole = await cli(['add', 'ann', '--role', 'boss', '--data', data]);
    expect(badRole.code).toBe(ExitCode.usage);
    expect(badRole.stderr).toMatch(/unknown role "boss": expected one of crew, supervisor, auditor, admin/);
    const unknown = await cli(['revoke', 'nobody', '--data', data]);
    expect(unknown.code).toBe(ExitCode.refused);
    expect(unknown.stderr).toMatch(/no user with id or active name "nobody"/);
  });
});

describe('runUsersCli', () => {
  function capture(data: string): { io: CliIo; out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (l) => out.push(l), err: (l) => err.push(l), env: { TALLY_DATA: data }, cwd: ROOT }, out, err };
  }

  // args, exit code, what stderr (or stdout for help) says
  it.each<[string[], number, RegExp]>([
    [[], ExitCode.ok, /Usage: npm run users/],
    [['help'], ExitCode.ok, /Commands:/],
    [['list', '-h'], ExitCode.ok, /Commands:/],
    [['frob'], ExitCode.usage, /unknown command "frob"/],
    [['list', '--verbose'], ExitCode.usage, /unknown option --verbose/],
    [['add', 'ann'], ExitCode.usage, /add needs --role <crew\|supervisor\|auditor\|admin>/],
    [['add', '--role', 'crew'], ExitCode.usage, /add takes one name/],
    [['add', 'ann', 'bob', '--role', 'crew'], ExitCode.usage, /add takes one name/],
    [['add', 'ann', '--role'], ExitCode.usage, /--role needs a value/],
    [['add', ' ', '--role', 'crew'], ExitCode.usage, /a user name is 1-64 printable characters/],
    [['list', 'extra'], ExitCode.usage, /list takes no arguments/],
    [['revoke'], ExitCode.usage, /revoke takes one name or id/],
    [['revoke', 'ghost'], ExitCode.refused, /no user with id or active name "ghost"/],
    [['devices'], ExitCode.ok, /No devices yet/],
    [['devices', 'x'], ExitCode.usage, /devices takes no arguments/],
    [['release-device'], ExitCode.usage, /release-device takes one device id/],
    [['release-device', 'ghost'], ExitCode.refused, /no device "ghost" is bound to a user/],
  ])('%j exits %i', async (args, code, said) => {
    const { io, out, err } = capture(await tempDir());
    expect(await runUsersCli(args, io)).toBe(code);
    expect((code === ExitCode.ok ? out : err).join('\n')).toMatch(said);
  });

  it('refuses a duplicate name with exit code 1', async () => {
    const { io, err } = capture(await tempDir());
    expect(await runUsersCli(['add', 'ann', '--role', 'crew'], io)).toBe(ExitCode.ok);
    expect(await runUsersCli(['add', 'ANN', '--role', 'auditor'], io)).toBe(ExitCode.refused);
    expect(err.join('\n')).toMatch(/already an active user named "ann"/);
  });

  it('says so when there are no users', async () => {
    const { io, out } = capture(await tempDir());
    expect(await runUsersCli(['list'], io)).toBe(ExitCode.ok);
    expect(out).toEqual(['No users yet. Add one with: npm run users -- add <name> --role <role>']);
  });

  it('lists devices with their users, and releases one so the next user gets it', async () => {
    const data = await tempDir();
    const { io, out } = capture(data);
    await runUsersCli(['add', 'ann', '--role', 'crew'], io);
    const users = await FileUserStore.open(data, { watch: false });
    stores.push(users);
    const ann = users.list()[0]!;
    const relay = await FileDeviceStore.open(data);
    await relay.claim(toDeviceId('scanner-7'), ann.id);
    await runUsersCli(['revoke', 'ann'], io);
    out.length = 0;
    expect(await runUsersCli(['devices'], io)).toBe(ExitCode.ok);
    expect(out[1]).toMatch(new RegExp(`^scanner-7\\s+ann \\(revoked\\)\\s+${ann.id}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d$`));
    out.length = 0;
    expect(await runUsersCli(['devices', '--json'], io)).toBe(ExitCode.ok);
    expect(JSON.parse(out.join('\n'))).toEqual([{ device: 'scanner-7', user: ann.id, firstSeenAt: expect.any(Number) }]);
    expect((await relay.claim(toDeviceId('scanner-7'), 'u-bob')).ok).toBe(false);
    out.length = 0;
    expect(await runUsersCli(['release-device', 'scanner-7'], io)).toBe(ExitCode.ok);
    expect(out).toEqual([expect.stringMatching(/^Released device scanner-7 \(was ann's\)/)]);
    expect(await relay.claim(toDeviceId('scanner-7'), 'u-bob')).toMatchObject({ ok: true, registered: true });
  });

  it('takes --data over TALLY_DATA', async () => {
    const env = await tempDir();
    const flag = await tempDir();
    const { io } = capture(env);
    await runUsersCli(['add', 'ann', '--role', 'crew', '--data', flag], io);
    const store = await FileUserStore.open(flag, { watch: false });
    stores.push(store);
    expect(store.list().map((u) => u.name)).toEqual(['ann']);
  });
});
