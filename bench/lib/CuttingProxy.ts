/**
 * A loopback TCP proxy that stands for a flaky link: every connection is cut
 * once (both sockets destroyed, as a dropped Wi-Fi does to a phone's upload)
 * after it has carried a random number of bytes in `cutAfterBytes` towards
 * the server; the device's next connection gets its own cut point. With
 * `cutAfterBytes: null` it only counts: what devices put on the link (lost in
 * a cut or not) and what reached the server.
 */
import net from 'node:net';

/** Options of a `CuttingProxy`. */
export interface CuttingProxyOptions {
  /** The server's loopback port. */
  targetPort: number;
  /** Cut each connection once, after [min, max) bytes towards the server; null: never cut. */
  cutAfterBytes: readonly [number, number] | null;
  /** Random source for the cut points (seeded in the bench so runs compare). */
  random?: () => number;
}

export class CuttingProxy {
  port = 0;
  /** Bytes devices wrote into the link towards the server. */
  bytesFromClients = 0;
  /** Bytes delivered to the server. */
  bytesToServer = 0;
  connections = 0;
  cuts = 0;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly options: CuttingProxyOptions) {
    this.server = net.createServer((client) => this.accept(client));
  }

  /** Listens on a free loopback port. */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  /** Closes the listener and every connection. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.connections += 1;
    const server = net.connect(this.options.targetPort, '127.0.0.1');
    this.sockets.add(client).add(server);
    const range = this.options.cutAfterBytes;
    const random = this.options.random ?? Math.random;
    const cutAt = range ? range[0] + Math.floor(random() * (range[1] - range[0])) : Infinity;
    let carried = 0;
    let cut = false;
    const end = (): void => {
      client.destroy();
      server.destroy();
      this.sockets.delete(client);
      this.sockets.delete(server);
    };
    client.on('data', (chunk: Buffer) => {
      this.bytesFromClients += chunk.byteLength;
      if (cut) return;
      const room = cutAt - carried;
      if (chunk.byteLength >= room) {
        // Deliver up to the cut point, then drop the link: the rest was on the wire and is lost.
        if (room > 0) server.write(chunk.subarray(0, room));
        this.bytesToServer += Math.max(0, room);
        cut = true;
        this.cuts += 1;
        // Let what was delivered reach the server's socket before the reset.
        setImmediate(end);
        return;
      }
      carried += chunk.byteLength;
      this.bytesToServer += chunk.byteLength;
      if (!server.write(chunk)) {
        client.pause();
        server.once('drain', () => client.resume());
      }
    });
    server.on('data', (chunk: Buffer) => {
      if (!client.write(chunk)) {
        server.pause();
        client.once('drain', () => server.resume());
      }
    });
    client.on('end', () => server.end());
    server.on('end', () => client.end());
    client.on('error', end);
    server.on('error', end);
    client.on('close', end);
    server.on('close', end);
  }
}
