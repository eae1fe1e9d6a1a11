/**
 * What a document room needs from a connection: a way to send it one
 * y-websocket message for the room's document, and whether it may write.
 * Both endpoints (per-document and multiplexed) implement it, so the room
 * never knows which socket or framing a peer uses.
 */
import type * as Y from 'yjs';

export interface RoomPeer {
  /** Sends one y-websocket message (sync, awareness) of this room's document. */
  send(message: Uint8Array): void;
  /** Who this is, for logs: user, device, connection id. */
  readonly label: string;
  /**
   * Returns `null` when the peer may apply `update` to the document, or the
   * reason it may not (read-only user, relay-authored state...).
   */
  checkWrite(update: Uint8Array, room: { name: string; doc: Y.Doc }): string | null;
}
