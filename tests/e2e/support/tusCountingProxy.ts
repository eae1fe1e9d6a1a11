/**
 * A loopback TCP proxy in front of the relay for the photo tests: the
 * browsers' origin is the proxy, so every byte a device sends passes it. It
 * reads each connection's HTTP requests just enough to count the body bytes
 * of every tus `PATCH` it forwards, by the file's hash (the `sha256` a
 * device names in its `POST`'s Upload-Metadata, tied to the upload URL the
 * relay's answer gives in `Location`), can throttle what devices send (a
 * slow link), and survives the relay going away: connections to a dead
 * relay are cut, new ones reach the relay once it is back on its port.
 */
import net from 'node:net';

/** One PATCH seen: where it started and how many body bytes were forwarded. */
export interface SeenPatch {
  readonly path: string;
  /** The file's SHA-256, as its creation named it ('' if the proxy did not see the creation). */
  readonly sha256: string;
  readonly offset: number;
  readonly length: number;
  /** Offset + Content-Length: the whole file's size. */
  readonly size: number;
  forwarded: number;
}

interface Conn {
  mode: 'head' | 'body' | 'tunnel';
  head: Buffer;
  remaining: number;
  patch: SeenPatch | null;
  /** The hash named by a creation whose answer (with its Location) has not come back yet. */
  creating: string | null;
}

/** See the module comment. */
export class TusCountingProxy {
  readonly patches: SeenPatch[] = [];
  /** Upload URL path -> the file's SHA-256. */
  private readonly uploads = new Map<string, string>();
  private bytesPerSecond: number | null = null;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** A proxy on 127.0.0.1 (port 0) to `relayPort()` (read at each new connection: the relay may move). */
  static async start(relayPort: () => number): Promise<TusCountingProxy> {
    let proxy: TusCountingProxy | null = null;
    const server = net.createServer((client) => proxy?.accept(client, relayPort()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TusCountingProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Limits what devices send to `bytesPerSecond` (null: no limit). */
  throttle(bytesPerSecond: number | null): void {
    this.bytesPerSecond = bytesPerSecond;
  }

  /** PATCH body bytes forwarded for the file whose SHA-256 is `sha256`. */
  forwardedFor(sha256: string): number {
    return this.patchesOf(sha256).reduce((sum, p) => sum + p.forwarded, 0);
  }

  /** The PATCHes seen for the file whose SHA-256 is `sha256`, in order. */
  patchesOf(sha256: string): SeenPatch[] {
    return this.patches.filter((p) => p.sha256 === sha256);
  }

  /** Cuts every open connection (a device walking into a dead zone: emulated offline leaves open sockets up). */
  cut(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket, relayPort: number): void {
    const upstream = net.connect(relayPort, '127.0.0.1');
    this.sockets.add(client);
    this.sockets.add(upstream);
    const conn: Conn = { mode: 'head', head: Buffer.alloc(0), remaining: 0, patch: null, creating: null };
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.on('data', (chunk: Buffer) => {
      this.noteLocation(conn, chunk);
      client.write(chunk);
    });
    // Bytes count once the relay's side is connected: what a dead relay refuses never reached it.
    let waiting: Buffer[] | null = [];
    upstream.on('connect', () => {
      for (const chunk of waiting ?? []) this.forward(conn, upstream, chunk);
      waiting = null;
    });
    client.on('data', (chunk: Buffer) => {
      if (waiting) waiting.push(chunk);
      else this.forward(conn, upstream, chunk);
      const rate = this.bytesPerSecond;
      if (rate) {
        client.pause();
        setTimeout(() => client.resume(), (chunk.length / rate) * 1000);
      }
    });
  }

  private forward(conn: Conn, upstream: net.Socket, chunk: Buffer): void {
    this.count(conn, chunk);
    upstream.write(chunk);
  }

  /** Follows the requests of one connection through `chunk`, counting PATCH body bytes. */
  private count(conn: Conn, chunk: Buffer): void {
    let rest = chunk;
    while (rest.length > 0 && conn.mode !== 'tunnel') {
      if (conn.mode === 'body') {
        const n = Math.min(conn.remaining, rest.length);
        if (conn.patch) conn.patch.forwarded += n;
        conn.remaining -= n;
        rest = rest.subarray(n);
        if (conn.remaining === 0) conn.mode = 'head';
        continue;
      }
      conn.head = Buffer.concat([conn.head, rest]);
      const end = conn.head.indexOf('\r\n\r\n');
      if (end < 0) return;
      rest = conn.head.subarray(end + 4);
      const [requestLine = '', ...lines] = conn.head.subarray(0, end).toString('latin1').split('\r\n');
      conn.head = Buffer.alloc(0);
      const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const [method = '', path = ''] = requestLine.split(' ');
      if (headers.has('upgrade')) {
        conn.mode = 'tunnel';
        return;
      }
      const length = Number(headers.get('content-length') ?? 0);
      conn.patch = null;
      if (method === 'POST') conn.creating = namedSha256(headers.get('upload-metadata') ?? '');
      if (method === 'PATCH') {
        const offset = Number(headers.get('upload-offset') ?? 0);
        conn.patch = { path, sha256: this.uploads.get(path) ?? '', offset, length, size: offset + length, forwarded: 0 };
        this.patches.push(conn.patch);
      }
      if (length > 0) {
        conn.mode = 'body';
        conn.remaining = length;
      }
    }
  }

  /** Ties the upload URL in a creation's answer to the hash its request named (browsers do not pipeline: one answer per request). */
  private noteLocation(conn: Conn, chunk: Buffer): void {
    if (!conn.creating) return;
    const location = /\r\nlocation:\s*(\S+)/i.exec(chunk.toString('latin1'));
    if (!location) return;
    this.uploads.set(new URL(location[1]!, 'http://relay').pathname, conn.creating);
    conn.creating = null;
  }
}

/** The `sha256` value in a tus Upload-Metadata header (base64 values), or null. */
function namedSha256(metadata: string): string | null {
  for (const pair of metadata.split(',')) {
    const [key, value = ''] = pair.trim().split(' ');
    if (key === 'sha256') return Buffer.from(value, 'base64').toString('utf8');
  }
  return null;
}
