/**
 * States the device holds outside any open document (the app's record store)
 * that a relay store may lack: after a restore, the acks that made them "on
 * the relay" came from another store. Each is offered in turn, while online,
 * through a document opened for the purpose with no device copy: it holds
 * the state before it subscribes, so its answer to the relay's sync step 1
 * sends whatever the relay lacks, as for any document. An offer is done once
 * the relay lacks nothing of it (said so, or acknowledged what was sent);
 * until then it counts as pending work (SyncStatus, the handover check).
 * A document the client has open speaks for its offer: the open document
 * answered the relay's sync step 1 with all it lacked, so the offer is done
 * once that document is live with nothing pending. (The app applies the
 * held state as it opens a record; should the relay's step 1 come before
 * that, the rest goes at the next reconnect.)
 */
import { MuxErrorCode } from '../../shared/protocol/muxMessages';
import { Listeners } from './Listeners';
import type { MuxConnection } from './MuxConnection';
import type { SyncLog } from './SyncError';
import type { SyncedDoc } from './SyncedDoc';

/**
 * What an offer came to: the relay lacks nothing of it; it cannot take it
 * yet (mux error 5: it builds on changes the relay lacks, which their own
 * device re-sends); or it refused what was sent (code 2, 3 or 4, e.g. only
 * other devices' changes, which the relay takes from those devices alone).
 */
export type OfferOutcome = 'onRelay' | 'waiting' | 'refused';

/** Options of StateOffers. */
export interface StateOffersOptions {
  connection: MuxConnection;
  /** A document with no device copy, not in the client's open set. */
  openBare: (name: string) => SyncedDoc;
  /** The documents the client has open now. */
  openDocs: () => Iterable<SyncedDoc>;
  /** Calls `listener` whenever an open document's state changes; returns the unsubscribe function. */
  watchOpenDocs: (listener: () => void) => () => void;
  log: SyncLog;
}

interface Offer {
  readonly name: string;
  readonly load: () => Promise<Uint8Array | null>;
  readonly done: Array<(outcome: OfferOutcome) => void>;
}

/** The queue of offers; see the module comment. */
export class StateOffers {
  private readonly queue = new Map<string, Offer>();
  private active: { offer: Offer; doc: SyncedDoc | null; off: () => void } | null = null;
  private readonly listeners = new Listeners();
  private readonly offConnection: () => void;
  private readonly offDocs: () => void;
  private destroyed = false;

  constructor(private readonly options: StateOffersOptions) {
    this.offConnection = options.connection.subscribe(() => this.next());
    this.offDocs = options.watchOpenDocs(() => this.next());
  }

  /** Names offered and not yet done, in order (the one being offered included). */
  get pending(): string[] {
    return [...this.queue.keys()];
  }

  /** Calls `listener` when the pending names change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  /**
   * Offers document `name`'s state (read by `load` when its turn comes; null:
   * nothing to offer). Resolves once the relay lacks nothing of it, or with
   * why it did not take it (OfferOutcome). Offering a name already waiting
   * shares its outcome.
   */
  offer(name: string, load: () => Promise<Uint8Array | null>): Promise<OfferOutcome> {
    return new Promise((resolve) => {
      const waiting = this.queue.get(name);
      if (waiting) return void waiting.done.push(resolve);
      this.queue.set(name, { name, load, done: [resolve] });
      this.changed();
      this.next();
    });
  }

  /** The client opens `name`: an offer of it in progress gives way and waits for it to close. */
  yieldTo(name: string): void {
    if (this.active?.offer.name !== name) return;
    const { offer } = this.active;
    this.stopActive();
    // Last in line: others go first while the document is open.
    this.queue.delete(name);
    this.queue.set(name, offer);
  }

  /** Something closed, changed or came online: settle what open documents speak for, offer the next one. */
  next(): void {
    if (this.destroyed || this.queue.size === 0) return;
    const open = new Set<string>();
    for (const doc of this.options.openDocs()) {
      open.add(doc.name);
      const offer = this.queue.get(doc.name);
      const s = doc.get();
      if (offer && s.live && s.pending === 0 && !s.refused) this.settle(offer, 'onRelay');
    }
    if (this.active || !this.options.connection.online) return;
    const offer = [...this.queue.values()].find((o) => !open.has(o.name));
    if (!offer) return;
    const active: NonNullable<StateOffers['active']> = { offer, doc: null, off: () => undefined };
    this.active = active;
    void offer.load().then(
      (state) => {
        if (this.active !== active) return;
        if (!state) return this.finish(offer, 'onRelay');
        const doc = this.options.openBare(offer.name);
        // Before it is loaded (a microtask away), so its subscription already names this state.
        doc.applyKnown(state);
        active.doc = doc;
        active.off = doc.subscribe(() => {
          const s = doc.get();
          if (s.refused) {
            this.options.log.warn(`${offer.name}: the relay did not take what this device holds of it (${s.refused.message}); it stays on this device`);
            this.finish(offer, s.refused.code === MuxErrorCode.missingChanges ? 'waiting' : 'refused');
          } else if (s.live && s.pending === 0) this.finish(offer, 'onRelay');
        });
      },
      (err: unknown) => {
        if (this.active !== active) return;
        this.options.log.warn(`${offer.name}: cannot read what this device holds of it; tried again later`, err);
        this.stopActive();
      },
    );
  }

  /** Stops offering; pending offers never settle. */
  destroy(): void {
    this.destroyed = true;
    this.offConnection();
    this.offDocs();
    this.stopActive();
    this.queue.clear();
    this.listeners.clear();
  }

  private finish(offer: Offer, outcome: OfferOutcome): void {
    this.stopActive();
    this.settle(offer, outcome);
    this.next();
  }

  private settle(offer: Offer, outcome: OfferOutcome): void {
    if (this.queue.get(offer.name) !== offer) return;
    this.queue.delete(offer.name);
    for (const resolve of offer.done) resolve(outcome);
    this.changed();
  }

  private stopActive(): void {
    const active = this.active;
    this.active = null;
    if (!active) return;
    active.off();
    void active.doc?.destroy();
  }

  private changed(): void {
    this.listeners.notify((err) => this.options.log.warn('an offers listener threw', err));
  }
}
