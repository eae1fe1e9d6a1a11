/**
 * Who is signed in and their workspace, as reactive state for the shell. The
 * session comes from localStorage, so a device that signed in once opens
 * straight into its records with no network.
 */
import { deviceId, SeqCounter } from '../lib/device';
import { SeenOutcomes } from '../lib/proposals';
import { clearSession, loadSession, saveSession, type Session } from '../lib/session';
import { Workspace } from '../lib/Workspace';

export class AppState {
  session = $state.raw<Session | null>(null);
  ws = $state.raw<Workspace | null>(null);
  seen = $state.raw<SeenOutcomes | null>(null);

  constructor() {
    const stored = loadSession();
    if (stored) this.start(stored);
  }

  /** Keeps `session` on the device and opens its workspace (closing any other). */
  start(session: Session): void {
    if (this.ws) void this.ws.destroy();
    saveSession(session);
    const device = deviceId();
    this.ws = new Workspace({ session, device, seq: new SeqCounter(device) });
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
}
