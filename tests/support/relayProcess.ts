/**
 * Runs the relay as a real child process (`node` with `RELAY_ARGS`,
 * what `npm start` runs), so SIGKILL and SIGTERM hit the
 * real thing. The bundle is rebuilt first when it is older than relay/ or
 * shared/, so the process runs the sources under test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ensureRelayBuilt, RELAY_ARGS } from '../../build/relayBundle';
import { FileUserStore } from '../../relay/auth/FileUserStore';
import type { Role } from '../../shared/auth/roles';

export interface RelayProcess {
  child: ChildProcess;
  port: number;
  url: string;
  output: () => string;
  /** Resolves with the exit code (null when killed by a signal) and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Sends `signal` to the relay, and under a wrapper (strace) to the wrapper and the relay both:
   * killing strace alone leaves the relay it traced running on its own.
   */
  kill: (signal: NodeJS.Signals) => void;
}

const ROOT = path.resolve(import.meta.dirname, '../..');

let checkedBundle = false;

/** Options of `spawnRelay`. */
export interface SpawnOptions {
  /** A command the relay runs under, e.g. `['strace', '-f', ...]` (the node command line follows it). */
  under?: readonly string[];
}

/** Starts the relay on `dataDir`, on a free port unless `env.PORT` says otherwise; resolves once it listens. */
export async function spawnRelay(dataDir: string, env: Record<string, string> = {}, options: SpawnOptions = {}): Promise<RelayProcess> {
  // Once per test file; parallel workers may both build, which is safe (whole files, by rename).
  if (!checkedBundle) ensureRelayBuilt();
  checkedBundle = true;
  const [command = process.execPath, ...args] = [...(options.under ?? []), process.execPath, ...RELAY_ARGS];
  const child = spawn(command, args, {
    // Under a wrapper, its own process group, so the wrapper and the relay are stopped together.
    detached: options.under !== undefined,
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', TALLY_DATA: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start in time:\n${out}`)), 20_000);
    const onData = (): void => {
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`relay exited with ${code} before listening:\n${out}`));
    });
  });
  const kill = (signal: NodeJS.Signals): void => {
    if (options.under === undefined || child.pid === undefined) child.kill(signal);
    else {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The group is gone already.
      }
    }
  };
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => out, exited, kill };
}

/** Adds a user to the users file in `dataDir` (as the CLI does) and returns their token. */
export async function addUser(dataDir: string, name: string, role: Role): Promise<{ token: string; id: string }> {
  const users = await FileUserStore.open(dataDir, { watch: false });
  try {
    const issued = await users.add({ name, role });
    return { token: issued.token, id: issued.user.id };
  } finally {
    await users.close();
  }
}
