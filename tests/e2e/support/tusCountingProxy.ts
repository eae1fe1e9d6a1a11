/**
 * A loopback TCP proxy in front of the relay for the photo tests: the
 * browsers' origin is the proxy, so every byte a device sends passes it. It
 * reads each connection's HTTP requests just enough to count the body bytes
 * of every tus `PATCH` it forwards (by the file's size, which a PATCH gives
 * as `Upload-Offset` + `Content-Length`), can throttle what devices send (a
 * slow link), and survives the relay going away: connections to a dead
 * relay are cut, new ones reach the relay once it is back on its port.
 */
import net from 'node:net';

/** One PATCH seen: where it started and how many body bytes were forwarded. */
export interface SeenPatch {
  readonly path: string;
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
}

/** See the module comment. */
export class TusCountingProxy {
  readonly patches: SeenPatch[] = [];
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

  /** PATCH body bytes forwarded for files of `size` bytes. */
  forwardedFor(size: number): number {
    return this.patches.filter((p) => p.size === size).reduce((sum, p) => sum + p.forwarded, 0);
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
    const conn: Conn = { mode: 'head', head: Buffer.alloc(0), remaining: 0, patch: null };
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
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
      if (method === 'PATCH') {
        const offset = Number(headers.get('upload-offset') ?? 0);
        conn.patch = { path, offset, length, size: offset + length, forwarded: 0 };
        this.patches.push(conn.patch);
      }
      if (length > 0) {
        conn.mode = 'body';
        conn.remaining = length;
      }
    }
  }
}
