/**
 * fan-out (issue 16, the priority channel): N connected devices, one notice
 * posted; the time from just before the POST until the last device has it,
 * over `notices` notices (after `warmup` unmeasured ones), for each N.
 *
 * Tally: `POST /api/notices` (stored with fsync first) and a `notice` frame
 * to every `/mux` connection. Hocuspocus 4: its stateless broadcast to every
 * connection of the one document they all joined (stores and replays
 * nothing). Floor: a bare `ws` server sending one prebuilt frame to every
 * socket. Devices live in `children` child processes (fanoutClients.ts), so
 * the server's loop is not the generator's; each child reports when its
 * last connection had the notice, on the machine-wide monotonic clock.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchDiagnostics, ChildServer } from '../servers/ChildServer';
import { quantile, sleep } from '../lib/measure';
import { tallyQuery } from '../servers/tallyCredentials';
import type { FanoutChildMessage, FanoutClientConfig, FanoutDialect } from '../clients/fanoutClients';

export interface FanoutOptions {
  /** Connected devices, one round each. */
  sizes: number[];
  /** Measured notices per size. */
  notices: number;
  /** Unmeasured notices first (JIT, first-use paths). */
  warmup: number;
  /** Processes holding the devices. */
  children: number;
}

export const defaultFanout: FanoutOptions = { sizes: [1_000, 5_000], notices: 20, warmup: 3, children: 2 };

export interface FanoutRound {
  devices: number;
  /** ms from just before the POST until the last device had the notice, in order. */
  samples: number[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** ms to connect every device (not part of the figure). */
  connectMs: number;
  /** The server's event-loop delay and GC pauses over the measured notices (Tally and the floor report them). */
  pauses?: BenchDiagnostics;
}

export interface FanoutResult {
  rounds: FanoutRound[];
}

const clientScript = fileURLToPath(new URL('../clients/fanoutClients.ts', import.meta.url));
const HOCUSPOCUS_DOC = 'fanout';
const NOTICE_TIMEOUT_MS = 30_000;

function dialectOf(server: ChildServer): FanoutDialect {
  if (server.spec.id === 'tally') return 'tally-mux';
  if (server.spec.id === 'floor') return 'floor';
  if (server.spec.dialect === 'hocuspocus') return 'hocuspocus';
  throw new Error(`${server.spec.id} takes no part in the fan-out`);
}

/** The soft limit on open files for processes this one starts (the server holds every device's socket). */
function openFilesLimit(): number {
  return Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
}

/** The devices of one round, in child processes. */
class DeviceChildren {
  private readonly children: ChildProcess[] = [];
  /** Per seq: the moments (hrtime ns) at which each child's last device had it. */
  private readonly arrivals = new Map<number, bigint[]>();
  private readonly waiters = new Set<() => void>();
  private ready = 0;
  private failure: string | null = null;

  constructor(configs: FanoutClientConfig[]) {
    for (const config of configs) {
      const child = fork(clientScript, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, FANOUT_CONFIG: JSON.stringify(config) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (m: FanoutChildMessage) => {
        if (m.type === 'ready') this.ready++;
        else if (m.type === 'error') this.failure ??= m.message;
        else {
          const list = this.arrivals.get(m.seq) ?? [];
          list.push(BigInt(m.at));
          this.arrivals.set(m.seq, list);
        }
        for (const w of this.waiters) w();
      });
      child.on('exit', (code) => {
        if (code !== 0) this.failure ??= `a device process exited with ${code}`;
        for (const w of this.waiters) w();
      });
      this.children.push(child);
    }
  }

  private until<T>(pick: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.failure) return done(() => reject(new Error(this.failure!)));
        const v = pick();
        if (v !== undefined) done(() => resolve(v));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${what} took longer than ${timeoutMs / 1000} s`))), timeoutMs);
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  allReady(timeoutMs: number): Promise<true> {
    return this.until(() => (this.ready === this.children.length ? true : undefined), timeoutMs, 'connecting the devices');
  }

  /** The moment the last device of all had notice `seq`. */
  lastArrival(seq: number): Promise<bigint> {
    return this.until(
      () => {
        const list = this.arrivals.get(seq);
        if (!list || list.length < this.children.length) return undefined;
        this.arrivals.delete(seq);
        return list.reduce((a, b) => (a > b ? a : b));
      },
      NOTICE_TIMEOUT_MS,
      `notice ${seq} reaching every device`,
    );
  }

  close(): void {
    for (const c of this.children) {
      if (c.connected) c.send({ type: 'close' });
      setTimeout(() => c.kill('SIGKILL'), 5_000).unref();
    }
  }
}

/** The bench user's token (a crew member: crews may raise safety alerts). */
function tallyToken(): string {
  const token = new URLSearchParams(tallyQuery('fanout').slice(1)).get('token');
  if (!token) throw new Error('no token for the Tally relay');
  return token;
}

/** Posts one notice to `server`; resolves with the seq the devices will see. */
async function post(server: ChildServer, n: number): Promise<number> {
  const base = `http://127.0.0.1:${server.port}`;
  if (server.spec.id !== 'tally') {
    const res = await fetch(`${base}/broadcast?seq=${n}`, { method: 'POST' });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`broadcast answered ${res.status}`);
    return n;
  }
  const token = tallyToken();
  const res = await fetch(`${base}/api/notices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'safety', severity: 'info', text: `bench notice ${n}` }),
  });
  const body = (await res.json()) as { seq?: number; error?: string };
  if (res.status !== 201 || body.seq === undefined) throw new Error(`POST /api/notices answered ${res.status} ${body.error ?? ''}`);
  return body.seq;
}

export async function runFanout(server: ChildServer, options: FanoutOptions = defaultFanout): Promise<FanoutResult> {
  const dialect = dialectOf(server);
  const limit = openFilesLimit();
  const largest = Math.max(...options.sizes);
  if (limit < largest + 512) throw new Error(`ulimit -n is ${limit}: the server needs ${largest} sockets and more; raise it (ulimit -n ${largest * 2}) before npm run bench`);
  // Tally's devices name no device: binding 5,000 new device ids (a fsynced file each) is enrolment, not fan-out.
  const url = dialect === 'tally-mux' ? `${server.wsBase}/mux?token=${encodeURIComponent(tallyToken())}` : server.wsBase;
  const rounds: FanoutRound[] = [];
  let n = 0;
  for (const devices of options.sizes) {
    const per = Math.ceil(devices / options.children);
    const counts = Array.from({ length: options.children }, (_, i) => Math.max(0, Math.min(per, devices - i * per))).filter((c) => c > 0);
    const started = performance.now();
    const children = new DeviceChildren(counts.map((count) => ({ dialect, url, count, doc: HOCUSPOCUS_DOC })));
    try {
      await children.allReady(120_000);
      const connectMs = performance.now() - started;
      await sleep(1_000); // let the connection storm's garbage settle before the first notice
      const samples: number[] = [];
      for (let i = 0; i < options.warmup + options.notices; i++) {
        if (i === options.warmup) await server.diagnostics(); // read and reset: what follows is the measured part
        const t0 = process.hrtime.bigint();
        const seq = await post(server, ++n);
        const last = await children.lastArrival(seq);
        if (i >= options.warmup) samples.push(Number(last - t0) / 1e6);
        await sleep(100);
      }
      const pauses = await server.diagnostics();
      const sorted = [...samples].sort((a, b) => a - b);
      rounds.push({ devices, samples, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), maxMs: sorted[sorted.length - 1]!, connectMs, pauses });
    } finally {
      children.close();
    }
    await sleep(2_000); // the sockets of the round close before the next one opens
  }
  return { rounds };
}
