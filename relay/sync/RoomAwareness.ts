/**
 * The presence (y-protocols awareness) of one room's peers: who is looking at
 * the document, as stock y-websocket clients share it. Tally's own clients
 * never send any, so nothing is allocated until a peer does; when a peer
 * leaves, the states it controlled are removed and everyone is told.
 */
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';

/** The y-websocket message type of awareness messages. */
const AWARENESS_MESSAGE = 1;

export class RoomAwareness<Peer> {
  private state: awarenessProtocol.Awareness | null = null;
  /** The client ids each peer's messages added, so they go when the peer does. */
  private readonly controlled = new Map<Peer, Set<number>>();

  /** `broadcast` sends one awareness message to every peer of the room. */
  constructor(private readonly broadcast: (message: Uint8Array) => void) {}

  /** Applies an awareness update a peer sent (and forwards what changed to everyone). */
  apply(update: Uint8Array, from: Peer): void {
    awarenessProtocol.applyAwarenessUpdate(this.awareness(), update, from);
  }

  /** Every known state, for a peer that just subscribed; null when there is none. */
  statesMessage(): Uint8Array | null {
    const states = this.state?.getStates();
    return states && states.size > 0 ? this.encode(Array.from(states.keys())) : null;
  }

  /** Every known state, possibly none: the answer to a query. */
  queryAnswer(): Uint8Array {
    return this.encode(Array.from(this.state?.getStates().keys() ?? []));
  }

  /** Removes the states `peer` controlled. */
  peerLeft(peer: Peer): void {
    const ids = this.controlled.get(peer);
    this.controlled.delete(peer);
    if (ids && ids.size > 0 && this.state) awarenessProtocol.removeAwarenessStates(this.state, Array.from(ids), null);
  }

  destroy(): void {
    this.state?.off('update', this.onUpdate);
    this.state?.destroy();
    this.state = null;
  }

  private awareness(): awarenessProtocol.Awareness {
    if (this.state === null) {
      // Awareness needs a Y.Doc only for its own client id; a separate one
      // survives the room's document being reloaded.
      this.state = new awarenessProtocol.Awareness(new Y.Doc());
      this.state.setLocalState(null);
      this.state.on('update', this.onUpdate);
    }
    return this.state;
  }

  private readonly onUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    // Peers' own updates carry the peer as origin; y-protocols' own removals
    // of outdated states carry 'timeout' and remove only.
    const peer = origin as Peer;
    let ids = this.controlled.get(peer);
    if (!ids && added.length > 0 && origin !== null && typeof origin === 'object') this.controlled.set(peer, (ids = new Set()));
    if (ids) {
      for (const id of added) ids.add(id);
      for (const id of removed) ids.delete(id);
    }
    this.broadcast(this.encode(added.concat(updated, removed)));
  };

  private encode(clients: number[]): Uint8Array {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, AWARENESS_MESSAGE);
    encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(this.awareness(), clients));
    return encoding.toUint8Array(e);
  }
}
