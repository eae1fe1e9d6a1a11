/**
 * What a document room needs from a connection: a way to send it one
 * y-websocket message for the room's document, and the rules its writes
 * follow. Both endpoints (per-document and multiplexed) implement it, so the
 * room never knows which socket or framing a peer uses.
 */
import type { WritePolicy } from '../policy/writeRefusal';

export interface RoomPeer {
  /** Sends one y-websocket message (sync, awareness) of this room's document. */
  send(message: Uint8Array): void;
  /** Who this is, for logs: user, device, connection id. */
  readonly label: string;
  /** What this peer may write (read-only users, relay-authored state...). */
  readonly writes: WritePolicy;
}
