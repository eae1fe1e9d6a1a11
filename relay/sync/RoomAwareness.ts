/**
 * The presence (y-protocols awareness) of one room's peers: who is looking at
 * the document, as stock y-websocket clients share it. Tally's own clients
 * never send any, so nothing is allocated until a peer does; when a peer
 * leaves, the state it controlled is removed and everyone is told.
 *
 * Presence is policed per peer (`presenceEntryRefusal`): a peer controls one
 * awareness client, the first it sets that no other live peer controls, and
 * may set or remove only that client's state, within a size and a rate.
 * Everything else is dropped before it is applied, so it never reaches
 * another peer; the peer stays connected and the relay warns at most once a
 * minute per kind of refusal and peer. Entries that would change nothing
 * (stock clients send back every awareness update they receive) are ignored
 * before any of that.
 */
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { readAwarenessUpdate, writeAwarenessUpdate, type AwarenessEntry } from '../../shared/protocol/awarenessUpdate';
import type { RelayLog } from '../log';
import {
  PresenceRefusal,
  defaultPresenceLimits,
  entryIsNews,
  presenceEntryRefusal,
  type PresenceLimits,
  type PresenceRefusalKind,
} from '../policy/presenceRefusal';
import { ThrottledWarnings } from './ThrottledWarnings';
import { TokenBucket } from './TokenBucket';

/** What RoomAwareness needs of a peer: a name for log lines. */
export interface PresencePeer {
  readonly label: string;
}

/** Options of a RoomAwareness. */
export interface RoomAwarenessOptions {
  /** Sends one awareness update (y-protocols encoding) to every peer of the room. */
  broadcast: (update: Uint8Array) => void;
  /** Where refusals are warned about. */
  log: RelayLog;
  /** The room's document name, for log lines. */
  doc: string;
  /** Overrides of `defaultPresenceLimits` (tests). */
  limits?: Partial<PresenceLimits>;
  /** The clock of rates and log throttling, ms (tests). */
  now?: () => number;
}

/** What the room knows of one peer that sent presence. */
interface PeerPresence {
  /** The awareness client it controls, once it set one. */
  client: number | null;
  readonly rate: TokenBucket;
  readonly warnings: ThrottledWarnings<PresenceRefusalKind>;
}

const text = new TextDecoder();

// One per open document, most of which never see presence: both maps are
// made by the first peer that sends some, and default limits are shared.
export class RoomAwareness<Peer extends PresencePeer> {
  private state: awarenessProtocol.Awareness | null = null;
  /** The peers that sent presence (null: none yet). */
  private peers: Map<Peer, PeerPresence> | null = null;
  /** Which live peer controls each awareness client (null: none yet). */
  private controllers: Map<number, Peer> | null = null;
  private readonly limits: Readonly<PresenceLimits>;
  private readonly now: () => number;

  constructor(private readonly options: RoomAwarenessOptions) {
    this.limits = options.limits ? { ...defaultPresenceLimits, ...options.limits } : defaultPresenceLimits;
    this.now = options.now ?? Date.now;
  }

  /**
   * Applies what `from` may set of an awareness update it sent, and forwards
   * what changed to everyone. Throws on malformed bytes (the caller closes
   * the socket), before anything is applied.
   */
  apply(update: Uint8Array, from: Peer): void {
    const awareness = this.awareness();
    const news = readAwarenessUpdate(update).filter((entry) =>
      entryIsNews({
        clock: entry.clock,
        heldClock: awareness.meta.get(entry.clientId)?.clock ?? 0,
        removes: entry.state.byteLength === 4 && text.decode(entry.state) === 'null',
        held: awareness.getStates().has(entry.clientId),
      }),
    );
    // Old news changes nothing and is not forwarded: it costs no rate and binds no client.
    if (news.length === 0) return;
    const peer = this.peerPresence(from);
    if (!peer.rate.take()) return this.refused(from, peer, PresenceRefusal.rateLimited, {});
    const relayClient = awareness.clientID;
    let own = peer.client;
    const accepted: AwarenessEntry[] = [];
    for (const entry of news) {
      const controller = this.controllers?.get(entry.clientId);
      const refusal = presenceEntryRefusal(
        {
          clientId: entry.clientId,
          stateBytes: entry.state.byteLength,
          ownClient: own,
          controlledByOther: controller !== undefined && controller !== from,
          relayClient,
        },
        this.limits,
      );
      if (refusal !== null) {
        this.refused(from, peer, refusal, { client: entry.clientId, bytes: entry.state.byteLength });
        continue;
      }
      own = entry.clientId;
      accepted.push(entry);
    }
    if (accepted.length === 0) return;
    // Bad JSON is malformed, as y-protocols would find: throw before anything is applied or bound.
    for (const entry of accepted) JSON.parse(text.decode(entry.state));
    if (peer.client === null && own !== null) {
      peer.client = own;
      (this.controllers ??= new Map()).set(own, from);
    }
    awarenessProtocol.applyAwarenessUpdate(awareness, writeAwarenessUpdate(accepted), from);
  }

  /** The live peer that controls awareness client `clientId`, if any. */
  controllerOf(clientId: number): Peer | undefined {
    return this.controllers?.get(clientId);
  }

  /** Every known state as an awareness update, for a peer that just subscribed; null when there is none. */
  statesUpdate(): Uint8Array | null {
    const states = this.state?.getStates();
    return states && states.size > 0 ? this.encode(Array.from(states.keys())) : null;
  }

  /** Every known state as an awareness update, possibly none: the answer to a query. */
  allStates(): Uint8Array {
    return this.encode(Array.from(this.state?.getStates().keys() ?? []));
  }

  /** Removes the state `peer` controlled and frees its client id. */
  peerLeft(peer: Peer): void {
    const client = this.peers?.get(peer)?.client ?? null;
    this.peers?.delete(peer);
    if (client === null) return;
    this.controllers?.delete(client);
    if (this.state?.getStates().has(client)) awarenessProtocol.removeAwarenessStates(this.state, [client], null);
  }

  destroy(): void {
    this.state?.off('update', this.onUpdate);
    this.state?.destroy();
    this.state = null;
  }

  private peerPresence(peer: Peer): PeerPresence {
    const peers = (this.peers ??= new Map());
    let known = peers.get(peer);
    if (!known) {
      known = {
        client: null,
        rate: new TokenBucket(this.limits.burst, this.limits.perSecond, this.now),
        warnings: new ThrottledWarnings(this.options.log, this.now),
      };
      peers.set(peer, known);
    }
    return known;
  }

  private refused(from: Peer, peer: PeerPresence, kind: PresenceRefusalKind, fields: object): void {
    peer.warnings.warn(kind, { conn: from.label, doc: this.options.doc, ownClient: peer.client, ...fields }, 'presence refused');
  }

  private awareness(): awarenessProtocol.Awareness {
    if (this.state === null) {
      // Awareness needs a Y.Doc only for its own client id; a separate one
      // survives the room's document being reloaded. Named, so Yjs makes no random guid.
      this.state = new awarenessProtocol.Awareness(new Y.Doc({ guid: this.options.doc }));
      this.state.setLocalState(null);
      this.state.on('update', this.onUpdate);
    }
    return this.state;
  }

  /** Forwards every change: peers' accepted entries, removals of peers that left, and y-protocols' timeouts. */
  private readonly onUpdate = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }): void => {
    this.options.broadcast(this.encode(added.concat(updated, removed)));
  };

  private encode(clients: number[]): Uint8Array {
    return awarenessProtocol.encodeAwarenessUpdate(this.awareness(), clients);
  }
}
