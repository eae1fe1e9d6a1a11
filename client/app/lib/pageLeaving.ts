/**
 * Calls `leaving` when the page is hidden (the phone's screen turned off, the
 * app switched away from) or going away (reloaded, its tab closed): the last
 * moments in which synchronous work is sure to run. Returns the unsubscribe.
 */
export function onPageLeaving(leaving: () => void): () => void {
  if (typeof document === 'undefined' || typeof addEventListener === 'undefined') return () => {};
  const onVisibility = (): void => {
    if (document.visibilityState === 'hidden') leaving();
  };
  document.addEventListener('visibilitychange', onVisibility);
  addEventListener('pagehide', leaving);
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    removeEventListener('pagehide', leaving);
  };
}
