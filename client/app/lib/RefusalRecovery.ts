/**
 * The way out of a refused change. Yjs updates of one client id build on
 * each other, so once the relay refuses a change nothing that Y.Doc writes
 * later can ever be integrated: the sync core puts the document in its
 * `refused` phase and stops sending. This module then, per document:
 *
 * 1. sets the device's whole copy aside (SetAsideStore), with the refusal;
 * 2. deletes the document's device copy and opens it again: a new Y.Doc, so
 *    a new Yjs client id, that takes the relay's copy;
 * 3. records again what the user's current role still allows (reRecord.ts),
 *    as new changes by the signed-in user on this device;
 * 4. keeps the set-aside copy, with what was and was not recorded again,
 *    until the user discards it (the screens show it; it can be exported).
 *
 * A recovery interrupted by a reload (set aside, not yet recorded again) is
 * finished when the app starts. Work refused again right after it was
 * recorded again is set aside but not recorded a third time.
 */
import * as Y from 'yjs';
import type { SyncClient, SyncedDoc } from '../../../client/sync';
import type { Role } from '../../../shared/auth/roles';
import { readRecord, recordIdOfDocName, RecordRoot, type Author } from '../../../shared/model';
import { readReviewState } from '../../../shared/review';
import { randomId } from './device';
import { Emitter } from './Emitter';
import { applyReRecord, planReRecord, type ReRecordPlan } from './reRecord';
import type { SetAsideOutcome, SetAsideStore, SetAsideWork } from './SetAsideStore';
import { sameBytes } from './sameBytes';

/** Options of a RefusalRecovery. */
export interface RefusalRecoveryOptions {
  /** The sync client the documents belong to. */
  client: Pick<SyncClient, 'discard' | 'open'>;
  store: SetAsideStore;
  /** The signed-in user on this device: whose name refused work is recorded again in. */
  author: Author;
  /** The user's role now, as the relay knows it (it may have changed since sign-in). */
  currentRole: () => Promise<Role>;
  /** A document was opened again in place of a refused one: show this one from now on. */
  onReopened: (synced: SyncedDoc) => void;
}

const REFUSED_AGAIN = 'refused again right after it was recorded again; not tried a third time';

/** Recovers refused documents; see the module comment. */
export class RefusalRecovery {
  /** Resolves once the kept set-aside work has been read. */
  readonly whenLoaded: Promise<void>;
  private works: readonly SetAsideWork[] = [];
  private readonly emitter = new Emitter();
  private readonly watched = new Map<string, () => void>();
  private readonly recovering = new Set<string>();
  /** Documents whose refused work was recorded again and not yet acknowledged. */
  private readonly reRecordedInto = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private destroyed = false;

  constructor(private readonly options: RefusalRecoveryOptions) {
    this.whenLoaded = this.load();
  }

  /** Every set-aside copy, oldest first. */
  get(): readonly SetAsideWork[] {
    return this.works;
  }

  /** Calls `listener` after set-aside work was added, updated or discarded. */
  subscribe(listener: () => void): () => void {
    return this.emitter.subscribe(listener);
  }

  /** The set-aside copies of document `doc`. */
  forDoc(doc: string): SetAsideWork[] {
    return this.works.filter((w) => w.doc === doc);
  }

  /** Recovers `synced` when the relay refuses its change (at once if it already has). */
  watch(synced: SyncedDoc): void {
    this.watched.get(synced.name)?.();
    const check = (): void => {
      const state = synced.get();
      if (state.refused) this.recover(synced);
      else if (state.onRelay) this.reRecordedInto.delete(synced.name);
    };
    this.watched.set(synced.name, synced.subscribe(check));
    check();
  }

  /** Stops watching document `doc` (it was closed; a recovery under way goes on). */
  unwatch(doc: string): void {
    this.watched.get(doc)?.();
    this.watched.delete(doc);
  }

  /** Removes a set-aside copy for good (the screens ask the user to confirm first). */
  async discard(id: string): Promise<void> {
    await this.options.store.delete(id);
    this.works = this.works.filter((w) => w.id !== id);
    this.emitter.emit();
  }

  /** Resolves when no recovery is running (tests). */
  async whenIdle(): Promise<void> {
    await this.whenLoaded;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Stops watching; a recovery under way stops at its next step (its set-aside copy is kept). */
  destroy(): void {
    this.destroyed = true;
    for (const off of this.watched.values()) off();
    this.watched.clear();
    this.emitter.clear();
  }

  private async load(): Promise<void> {
    try {
      this.works = await this.options.store.list();
    } catch (err) {
      console.warn('[tally app] cannot read the set-aside work', err);
      return;
    }
    this.emitter.emit();
    // Set aside but not yet recorded again when the app last stopped: finish it.
    for (const work of this.works) if (!work.outcome) this.track(work.doc, () => this.reopenAndReRecord(work));
  }

  private recover(synced: SyncedDoc): void {
    if (this.recovering.has(synced.name) || this.destroyed) return;
    this.track(synced.name, async () => {
      await this.whenLoaded;
      // An interrupted recovery of this document is being finished already.
      if (this.works.some((w) => w.doc === synced.name && !w.outcome)) return null;
      const work = this.setAside(synced);
      await this.save(work);
      return this.reopenAndReRecord(work, synced);
    });
  }

  /** Runs one document's recovery, then watches the document it opened. */
  private track(doc: string, recovery: () => Promise<SyncedDoc | null>): void {
    this.recovering.add(doc);
    this.watched.get(doc)?.();
    this.watched.delete(doc);
    const run = recovery()
      .then((reopened) => {
        this.recovering.delete(doc);
        if (reopened && !this.destroyed) this.watch(reopened);
      })
      .catch((err: unknown) => {
        this.recovering.delete(doc);
        if (!this.destroyed) console.warn(`[tally app] recovering ${doc} from a refusal failed; its set-aside copy is kept`, err);
      })
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private setAside(synced: SyncedDoc): SetAsideWork {
    const refusal = synced.get().refused;
    if (!refusal) throw new Error(`${synced.name} was not refused`);
    return {
      id: randomId(),
      doc: synced.name,
      recordId: recordIdOfDocName(synced.name) ?? null,
      user: this.options.author.user,
      code: refusal.code,
      reason: refusal.reason,
      message: refusal.message,
      at: refusal.at,
      refusedChanges: refusal.pending,
      state: Y.encodeStateAsUpdate(synced.doc),
      refused: null,
      outcome: null,
    };
  }

  /**
   * Steps 2 and 3: the relay's copy under a new client id, and the work
   * recorded again on it. `refused` is the refused document, when it is open.
   */
  private async reopenAndReRecord(initial: SetAsideWork, refused?: SyncedDoc): Promise<SyncedDoc | null> {
    const { client } = this.options;
    await client.discard(initial.doc);
    let work = initial;
    if (refused) {
      // Screens write to the refused Y.Doc until the reopened one replaces it: keep what arrived meanwhile.
      const state = Y.encodeStateAsUpdate(refused.doc);
      if (!sameBytes(state, work.state)) {
        work = { ...work, state };
        await this.save(work);
      }
    }
    if (this.destroyed) return null;
    const reopened = client.open(work.doc);
    this.options.onReopened(reopened);
    await relaySynced(reopened);
    if (this.destroyed) return null;
    const role = await this.options.currentRole();
    if (this.destroyed) return null;
    if (!work.recordId) {
      await this.save({ ...work, refused: [], outcome: { role, reRecorded: 0, notReRecorded: [] } });
      return reopened;
    }
    const plan = this.plan(work, reopened, role);
    const outcome: SetAsideOutcome = { role, reRecorded: plan.reRecorded.length + plan.unchanged.length, notReRecorded: plan.notReRecorded };
    // Saved before writing: a reload in between must never make the same work twice.
    const planned: SetAsideWork = { ...work, refused: plan.refused, outcome };
    await this.save(planned);
    if (this.destroyed || plan.writes.length === 0) return reopened;
    const { failed } = applyReRecord(reopened.doc, this.options.author, plan);
    this.reRecordedInto.add(work.doc);
    if (failed.length > 0) {
      await this.save({ ...planned, outcome: { ...outcome, reRecorded: outcome.reRecorded - failed.length, notReRecorded: [...outcome.notReRecorded, ...failed] } });
    }
    return reopened;
  }

  private plan(work: SetAsideWork, reopened: SyncedDoc, role: Role): ReRecordPlan {
    const setAside = new Y.Doc();
    Y.applyUpdate(setAside, work.state);
    const plan = planReRecord({
      setAside: readRecord(setAside),
      relay: readRecord(reopened.doc),
      role,
      user: this.options.author.user,
      device: this.options.author.device,
      reviewRevision: readReviewState(reopened.doc.getMap(RecordRoot.review))?.revision ?? 0,
    });
    setAside.destroy();
    if (!this.reRecordedInto.has(work.doc)) return plan;
    return { ...plan, writes: [], reRecorded: [], unchanged: [], notReRecorded: plan.refused.map((e) => ({ id: e.id, why: REFUSED_AGAIN })) };
  }

  private async save(work: SetAsideWork): Promise<void> {
    await this.options.store.put(work);
    const others = this.works.filter((w) => w.id !== work.id);
    this.works = [...others, work].sort((a, b) => a.at - b.at);
    if (!this.destroyed) this.emitter.emit();
  }
}

/** Resolves once the relay has sent its copy of `synced` (on the current connection). */
function relaySynced(synced: SyncedDoc): Promise<void> {
  if (synced.get().relaySynced) return Promise.resolve();
  return new Promise((resolve) => {
    const off = synced.subscribe(() => {
      if (!synced.get().relaySynced) return;
      off();
      resolve();
    });
  });
}
