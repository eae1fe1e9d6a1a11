/**
 * What a document room needs from a connection: a way to hand it what the
 * room has for it (the relay's state vector, a durable update, presence), and
 * the rules its writes follow. The room speaks no wire protocol: each
 * endpoint encodes these for its own framing (relay/net/ywsCodec.ts, and the
 * mux `doc` frame around it).
 */
import type { WritePolicy } from '../policy/writeRefusal';

export interface RoomPeer {
  /** The relay's state vector of the document: "send me what I lack". */
  sendStateVector(stateVector: Uint8Array): void;
  /** An update of the document someone else made, durable on the relay. */
  sendUpdate(update: Uint8Array, shared: Broadcast): void;
  /** A presence (y-protocols awareness) update. */
  sendAwareness(update: Uint8Array, shared: Broadcast): void;
  /** Who this is, for logs: user, device, connection id. */
  readonly label: string;
  /** What this peer may write (read-only users, relay-authored state...). */
  readonly writes: WritePolicy;
}

/**
 * One message on its way to every peer of a room. Peers of the same endpoint
 * encode it alike, so the first one keeps its encoding here for the others
 * (a catch-up forwards each 50 KB update to 19 devices: one copy, not 19).
 */
export class Broadcast {
  private readonly encoded = new Map<string, Uint8Array>();

  /** The encoding `key` of this message, made by `make` on first use. */
  as(key: string, make: () => Uint8Array): Uint8Array {
    let bytes = this.encoded.get(key);
    if (bytes === undefined) {
      bytes = make();
      this.encoded.set(key, bytes);
    }
    return bytes;
  }
}
