/**
 * A server under test, run as its own child process so that SIGKILL is real and
 * its memory and CPU are its own, apart from the load generator's. Each launcher
 * (tallyServer, yWebsocketServer, hocuspocusServer) is a ChildServer with its
 * command, its readiness URL and the way clients reach it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { mkdirSync, readFileSync, readdirSync, lstatSync, rmSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The repository root: every server command runs from there. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export type { DiagnosticsSnapshot as BenchDiagnostics } from '../../relay/diag/RelayDiagnostics';
import type { DiagnosticsSnapshot as BenchDiagnostics } from '../../relay/diag/RelayDiagnostics';

/** Which client protocol a workload uses to talk to the server. */
export type Dialect = 'tally-mux' | 'y-websocket' | 'hocuspocus';

/** How a server is launched. */
export interface LaunchSpec {
  /** Short id used in file names and on the command line (`--only`). */
  id: string;
  /** Column header in the table. */
  title: string;
  /** What the server's acknowledgement guarantees, in words for the table. */
  ackMeaning: string;
  dialect: Dialect;
  /** Node arguments (script and flags) and environment, given the port and the data dir. */
  command(port: number, dataDir: string): { args: string[]; env: Record<string, string> };
  /** HTTP path that answers once the server can take connections. */
  readyPath: string;
  /** WebSocket URL of the server's sync endpoint (no trailing slash). */
  wsBase(port: number): string;
  /**
   * Environment that makes the server compact each document it loads, for the
   * "after compaction" storage figure; absent when the server has no such knob.
   */
  compactOnLoadEnv?: Record<string, string>;
  /** How the server compacts, in words for the table. */
  compaction: string;
  /** Prepares a fresh, empty data directory before the first start (e.g. enrols a user). */
  prepareDataDir?(dataDir: string): void;
  /**
   * Environment for the throughput run that lets closed documents leave memory
   * within the run (the anchors unload a document as soon as its last client
   * leaves and need none).
   */
  evictQuicklyEnv?: Record<string, string>;
  /** The workloads this server takes part in (default: all). */
  workloads?: readonly string[];
}

/** The lines of /proc/<pid>/status that `ChildServer.rss` reads, by kind. */
const MEMORY_FIELDS = { all: /VmRSS:\s+(\d+) kB/, anon: /RssAnon:\s+(\d+) kB/ } as const;
export type MemoryKind = keyof typeof MEMORY_FIELDS;

/** Asks the OS for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Recursively sums apparent file sizes under `dir`. */
export function dirBytes(dir: string): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const p = join(dir, name);
    const st = lstatSync(p);
    total += st.isDirectory() ? dirBytes(p) : st.size;
  }
  return total;
}

export class ChildServer {
  readonly spec: LaunchSpec;
  port = 0;
  dataDir = '';
  private child: ChildProcess | null = null;
  private output: string[] = [];
  /** Extra node flags for every start (e.g. --cpu-prof). */
  nodeFlags: string[] = [];
  /** A file the server's stdout and stderr are appended to (for traces such as --trace-gc). */
  outputFile: string | undefined;
  private pastCpuMs = 0;
  /** Extra environment for the next start only (e.g. a compaction threshold). */
  nextEnv: Record<string, string> = {};
  private readonly root: string;

  constructor(spec: LaunchSpec, root?: string) {
    this.spec = spec;
    this.root = root ?? mkdtempSync(join(tmpdir(), `bench-${spec.id}-`));
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }
  get wsBase(): string {
    return this.spec.wsBase(this.port);
  }
  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts on a fresh, empty data directory (and a fresh port). */
  async startFresh(label: string): Promise<number> {
    this.dataDir = join(this.root, label);
    rmSync(this.dataDir, { recursive: true, force: true });
    mkdirSync(this.dataDir, { recursive: true });
    this.spec.prepareDataDir?.(this.dataDir);
    this.port = await freePort();
    return this.start();
  }

  /** Starts on the current data directory and port; resolves with ms until ready. */
  async start(timeoutMs = 20_000): Promise<number> {
    if (this.running) throw new Error(`${this.spec.id} already running`);
    const { args, env } = this.spec.command(this.port, this.dataDir);
    const extra = this.nextEnv;
    this.nextEnv = {};
    const t0 = performance.now();
    const child = spawn(process.execPath, [...this.nodeFlags, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.output = [];
    const keep = (b: Buffer) => {
      if (this.outputFile) appendFileSync(this.outputFile, b);
      this.output.push(b.toString());
      if (this.output.length > 200) this.output.splice(0, 100);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    while (performance.now() - t0 < timeoutMs) {
      if (!this.running) throw new Error(`${this.spec.id} exited at start:\n${this.log()}`);
      if (await this.answers()) return performance.now() - t0;
      await sleep(10);
    }
    throw new Error(`${this.spec.id} not ready after ${timeoutMs} ms:\n${this.log()}`);
  }

  /** True when the readiness URL answers with any HTTP status below 500. */
  async answers(): Promise<boolean> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.port}${this.spec.readyPath}`, {
        signal: AbortSignal.timeout(500),
      });
      await res.arrayBuffer();
      return res.status < 500;
    } catch {
      return false;
    }
  }

  /**
   * The server's diagnostics (event-loop delay, GC pauses, per-stage timings:
   * relay/diag) since the last reset, then reset; undefined for a server
   * without them (the anchors).
   */
  async diagnostics(): Promise<BenchDiagnostics | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.port}/debug/diagnostics?reset=1`, { signal: AbortSignal.timeout(2_000) });
      if (res.status !== 200) return undefined;
      return (await res.json()) as BenchDiagnostics;
    } catch {
      return undefined;
    }
  }

  /** Last lines the server printed. */
  log(): string {
    return this.output.join('').split('\n').slice(-30).join('\n');
  }

  /** SIGKILL and wait for the process to be gone. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL', 5_000);
  }

  /** SIGTERM (graceful) and wait; SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const ok = await this.signal('SIGTERM', graceMs);
    if (!ok) await this.signal('SIGKILL', 5_000);
  }

  private async signal(sig: NodeJS.Signals, waitMs: number): Promise<boolean> {
    const child = this.child;
    if (!child || !this.running) return true;
    // Last reading of this process's CPU; what it spends from here on (a
    // graceful stop's flush) is not counted.
    this.pastCpuMs += this.cpuMs();
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(sig);
    const ok = await Promise.race([exited.then(() => true), sleep(waitMs).then(() => false)]);
    return ok;
  }

  /**
   * Resident memory of the server process in bytes (0 when it is not running):
   * all of it (VmRSS), or its anonymous memory only (RssAnon: without the pages
   * of files it maps, such as LevelDB's tables, which the kernel can drop at will).
   */
  rss(kind: MemoryKind = 'all'): number {
    if (!this.running) return 0;
    let status: string;
    try {
      status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    } catch {
      return 0; // it ended since `running` was read
    }
    const m = MEMORY_FIELDS[kind].exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  }

  /** CPU time of every process of this server so far (restarts included), in ms. */
  totalCpuMs(): number {
    return this.pastCpuMs + this.cpuMs();
  }

  /** CPU time (user + system) the current server process has used so far, in ms. */
  cpuMs(): number {
    if (!this.running) return 0;
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] = utime, fields[12] = stime (after pid and comm), in clock ticks of 10 ms
    return (Number(fields[11]) + Number(fields[12])) * 10;
  }

  /** Bytes the server keeps on disk (apparent size of its data directory). */
  diskBytes(): number {
    return dirBytes(this.dataDir);
  }

  /** Waits until disk usage stops changing for `quietMs` (bounded by `maxMs`). */
  async diskSettled(quietMs = 1_000, maxMs = 15_000): Promise<number> {
    const t0 = performance.now();
    let last = this.diskBytes();
    let since = performance.now();
    while (performance.now() - t0 < maxMs) {
      await sleep(100);
      const now = this.diskBytes();
      if (now !== last) {
        last = now;
        since = performance.now();
      } else if (performance.now() - since >= quietMs) break;
    }
    return last;
  }

  /** Removes every data directory this server used. */
  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
