/**
 * A new version of the app, waiting. The service worker never swaps a new
 * version in by itself: it waits (vite-plugin-pwa's `prompt`), and the app
 * lets it in only when nothing is pending on the device, or when the user
 * chooses to reload. A crew in the middle of a receipt is never reloaded
 * under their hands. Device data written by the previous version opens in
 * the new one (the stores keep their layouts, see the README).
 */
import { Emitter } from './Emitter';

/** What to do about a waiting version. */
export type UpdateAction = 'none' | 'install' | 'wait';

/** The rule: install a waiting version when nothing is pending or the user asked; otherwise wait. */
export function updateAction(state: { waiting: boolean; pending: number; userAsked: boolean }): UpdateAction {
  if (!state.waiting) return 'none';
  return state.pending === 0 || state.userAsked ? 'install' : 'wait';
}

/** The waiting version, if any, and how to let it in. */
export class AppUpdate {
  private readonly emitter = new Emitter();
  private install: ((reload: boolean) => Promise<void>) | null = null;

  /** A new version is installed and waiting; `install(true)` activates it and reloads the page. */
  waiting(install: (reload: boolean) => Promise<void>): void {
    this.install = install;
    this.emitter.emit();
  }

  get isWaiting(): boolean {
    return this.install !== null;
  }

  /** Lets the waiting version in (the page reloads). */
  async apply(): Promise<void> {
    await this.install?.(true);
  }

  subscribe(listener: () => void): () => void {
    return this.emitter.subscribe(listener);
  }

  get(): { waiting: boolean } {
    return { waiting: this.isWaiting };
  }
}

/** The app's one AppUpdate (the service worker registration reports to it). */
export const appUpdate = new AppUpdate();
