/**
 * Who is signed in and their workspace, as reactive state for the shell. The
 * session comes from localStorage, so a device that signed in once opens
 * straight into its records with no network. A tab works only while it holds
 * the device's tab lock (see TabLock).
 */
import { deviceIdFor, SeqCounter } from '../lib/device';
import { SeenOutcomes } from '../lib/proposals';
import { clearSession, loadSession, saveSession, type Session } from '../lib/session';
import { TabLock } from '../lib/TabLock';
import { Workspace } from '../lib/Workspace';

/** Where this tab stands: waiting for the lock, working, or another tab has Tally open. */
export type TabState = 'waiting' | 'held' | 'busy' | 'lost';

export class AppState {
  session = $state.raw<Session | null>(null);
  ws = $state.raw<Workspace | null>(null);
  seen = $state.raw<SeenOutcomes | null>(null);
  tab = $state<TabState>('waiting');
  /** `lock`: the tab lock, possibly asked for before the app loaded (main.ts). */
  constructor(private readonly lock: TabLock = new TabLock()) {
    void this.lock.acquire(() => this.lost()).then((result) => this.opened(result));
  }

  /** Takes Tally over from the other tab on this device. */
  async useHere(): Promise<void> {
    this.opened(await this.lock.acquire(() => this.lost(), true));
  }

  /** Keeps `session` on the device and opens its workspace (closing any other). */
  start(session: Session): void {
    if (this.ws) void this.ws.destroy();
    saveSession(session);
    const device = deviceIdFor(session.user.id);
    this.ws = new Workspace({ session, device, seq: new SeqCounter(device) });
    performance.mark('tally:workspace');
    this.seen = new SeenOutcomes(session.user.id);
    this.session = session;
  }

  /** Stops syncing and forgets the session; the records stay on the device. */
  async signOut(): Promise<void> {
    const ws = this.ws;
    this.ws = null;
    this.seen = null;
    this.session = null;
    clearSession();
    await ws?.destroy();
  }

  private opened(result: 'held' | 'busy'): void {
    performance.mark('tally:tab-lock');
    this.tab = result;
    if (result !== 'held') return;
    const stored = loadSession();
    if (stored) this.start(stored);
  }

  private lost(): void {
    this.tab = 'lost';
    const ws = this.ws;
    this.ws = null;
    this.seen = null;
    void ws?.destroy();
  }
}
