/**
 * `ws`'s WebSocket, recording every socket the sync core creates and the
 * bytes it sends, so tests can count traffic and check released listeners.
 */
import { WebSocket } from 'ws';
import type { WebSocketConstructor } from '../../client/sync/MuxConnection';

export interface RecordedSocket {
  ws: WebSocket;
  /** Byte length of every frame sent, in order. */
  sent: number[];
}

export interface RecordingWebSocket {
  Impl: WebSocketConstructor;
  sockets: RecordedSocket[];
  /** Total bytes sent on sockets from index `from` on. */
  bytesSent(from?: number): number;
  /** Listeners still attached to `ws` for the four WebSocket events. */
  listenerCount(ws: WebSocket): number;
}

export function recordingWebSocket(): RecordingWebSocket {
  const sockets: RecordedSocket[] = [];
  class Recording extends WebSocket {
    private readonly record: RecordedSocket;
    constructor(url: string) {
      super(url);
      this.record = { ws: this, sent: [] };
      sockets.push(this.record);
    }
    override send(data: Uint8Array): void {
      this.record.sent.push(data.byteLength);
      super.send(data);
    }
  }
  return {
    Impl: Recording as unknown as WebSocketConstructor,
    sockets,
    bytesSent: (from = 0) => sockets.slice(from).reduce((sum, s) => sum + s.sent.reduce((a, b) => a + b, 0), 0),
    listenerCount: (ws) => ['open', 'message', 'close', 'error'].reduce((n, e) => n + ws.listenerCount(e), 0),
  };
}
