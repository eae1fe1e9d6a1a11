/**
 * The app's entry, kept small: for a signed-in device it starts opening the
 * record store and reading the record summaries (IndexedDB works in the
 * browser's own process meanwhile), then loads the app (startApp.ts). A cold
 * start's records list then does not wait for IndexedDB after the app's code
 * has loaded.
 */
import { startHeldPreload } from './lib/heldStoreLayout';
import { loadSession } from './lib/session';

// User-timing marks of a start (tally:*): what a profile or the app bench reads to see where a cold start goes.
performance.mark('tally:main');
try {
  const session = typeof indexedDB === 'undefined' ? null : loadSession();
  if (session) startHeldPreload(session.site);
} catch {
  // Nothing is lost: the app reads the store itself when it starts.
}
void import('./startApp');
