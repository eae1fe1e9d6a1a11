/**
 * The app's entry, kept small: it asks for the tab lock and, for a signed-in
 * device, starts opening the record store and reading the record summaries
 * (the browser answers both in its own process meanwhile), then loads the
 * app (startApp.ts). A cold start's records list then waits for neither
 * after the app's code has loaded.
 */
import { startHeldPreload } from './lib/heldStoreLayout';
import { loadSession } from './lib/session';
import { TabLock } from './lib/TabLock';

// User-timing marks of a start (tally:*): what a profile or the app bench reads to see where a cold start goes.
performance.mark('tally:main');
try {
  const session = typeof indexedDB === 'undefined' ? null : loadSession();
  if (session) startHeldPreload(session.site);
} catch {
  // Nothing is lost: the app reads the store itself when it starts.
}
const tabLock = new TabLock();
tabLock.begin();
void import('./startApp').then(({ startApp }) => startApp({ tabLock }));
