/**
 * A small path router over the History API. The relay and the service worker
 * both answer every app path with index.html, so a reload on any screen works,
 * online or not.
 */

/** A matched route: its name and path parameters. */
export interface Route {
  readonly name: RouteName;
  readonly params: Readonly<Record<string, string>>;
}

export type RouteName =
  | 'records'
  | 'shift'
  | 'newReceipt'
  | 'newCount'
  | 'record'
  | 'history'
  | 'historyPicker'
  | 'conflicts'
  | 'proposals'
  | 'sync'
  | 'handover'
  | 'storage'
  | 'setup'
  | 'more'
  | 'users'
  | 'siteHealth'
  | 'notices'
  | 'enrol'
  | 'notFound';

const ROUTES: ReadonlyArray<[RouteName, RegExp, string[]]> = [
  ['records', /^\/$/, []],
  ['records', /^\/records$/, []],
  ['shift', /^\/shift$/, []],
  ['newReceipt', /^\/new\/receipt$/, []],
  ['newCount', /^\/new\/count$/, []],
  ['record', /^\/r\/([A-Za-z0-9._-]+)$/, ['id']],
  ['history', /^\/r\/([A-Za-z0-9._-]+)\/history$/, ['id']],
  ['historyPicker', /^\/history$/, []],
  ['conflicts', /^\/conflicts$/, []],
  ['proposals', /^\/proposals$/, []],
  ['sync', /^\/sync$/, []],
  ['handover', /^\/handover$/, []],
  ['storage', /^\/storage$/, []],
  ['setup', /^\/setup$/, []],
  ['more', /^\/more$/, []],
  ['users', /^\/users$/, []],
  ['siteHealth', /^\/site-health$/, []],
  ['notices', /^\/notices$/, []],
  ['enrol', /^\/enrol$/, []],
];

/** Matches `path` against the app's routes. */
export function matchRoute(path: string): Route {
  for (const [name, pattern, keys] of ROUTES) {
    const m = pattern.exec(path);
    if (m) return { name, params: Object.fromEntries(keys.map((k, i) => [k, decodeURIComponent(m[i + 1] ?? '')])) };
  }
  return { name: 'notFound', params: {} };
}

/** The current location as reactive state. */
export class Router {
  path = $state(typeof location === 'undefined' ? '/' : location.pathname);
  route = $derived(matchRoute(this.path));

  constructor() {
    if (typeof window !== 'undefined') window.addEventListener('popstate', () => (this.path = location.pathname));
  }

  /** A click on an in-app link to `href`: navigates without a page load (a modified click is left to the browser). */
  follow(event: MouseEvent, href: string): void {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    this.go(href);
  }

  /** Goes to `path` (a new history entry, or replacing the current one). */
  go(path: string, options: { replace?: boolean } = {}): void {
    if (options.replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    this.path = path;
    window.scrollTo(0, 0);
  }
}
