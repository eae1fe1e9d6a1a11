/**
 * A notice nobody has read must reach a user whose Tally tab is in the
 * background: while the page is hidden, the service worker's registration
 * shows a system notification for each notice the banner holds, and shows it
 * again every 5 minutes until it is acknowledged. No push service is involved
 * (the relay is air-gapped): the page hears the notice on its socket and the
 * service worker only displays it.
 */
import type { DeviceNotice } from './NoticeStore';

/** A notification is repeated this often until its notice is read. */
export const REMIND_EVERY_MS = 5 * 60 * 1000;

/**
 * The notices to show (again) now: none while the page is visible; otherwise
 * those never shown, or last shown at least REMIND_EVERY_MS ago.
 */
export function dueReminders(banner: readonly DeviceNotice[], lastShown: ReadonlyMap<number, number>, now: number, hidden: boolean): DeviceNotice[] {
  if (!hidden) return [];
  return banner.filter((n) => {
    const shown = lastShown.get(n.seq);
    return shown === undefined || now - shown >= REMIND_EVERY_MS;
  });
}

/** What BackgroundAlerts needs of the page. */
export interface AlertsHost {
  hidden(): boolean;
  /** Shows a system notification (the service worker's `showNotification`); false when it cannot. */
  show(notice: DeviceNotice): Promise<boolean>;
  /** Removes the system notification of notice `seq`, if one is shown (it was read here). */
  close(seq: number): Promise<void>;
  /** Calls back when visibility changes; returns the unsubscribe. */
  onVisibility(listener: () => void): () => void;
}

/** Shows due reminders on every change, on every visibility change and twice a minute. */
export class BackgroundAlerts {
  private readonly lastShown = new Map<number, number>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly offVisibility: () => void;
  private banner: readonly DeviceNotice[] = [];

  constructor(
    private readonly host: AlertsHost,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.check(), 30_000);
    this.offVisibility = host.onVisibility(() => this.check());
  }

  /** The banner changed: read notices stop being reminded. */
  update(banner: readonly DeviceNotice[]): void {
    this.banner = banner;
    const open = new Set(banner.map((n) => n.seq));
    for (const seq of [...this.lastShown.keys()]) {
      if (open.has(seq)) continue;
      this.lastShown.delete(seq);
      void this.host.close(seq).catch(() => undefined);
    }
    this.check();
  }

  destroy(): void {
    clearInterval(this.timer);
    this.offVisibility();
  }

  private check(): void {
    const now = this.now();
    for (const notice of dueReminders(this.banner, this.lastShown, now, this.host.hidden())) {
      this.lastShown.set(notice.seq, now);
      void this.host.show(notice).catch(() => false);
    }
  }
}

/** The browser's host: `document.visibilityState` and the service worker registration. */
export function browserAlertsHost(describe: (notice: DeviceNotice) => { title: string; body: string }): AlertsHost {
  return {
    hidden: () => document.visibilityState === 'hidden',
    onVisibility(listener) {
      document.addEventListener('visibilitychange', listener);
      return () => document.removeEventListener('visibilitychange', listener);
    },
    async show(notice) {
      if (typeof Notification === 'undefined' || Notification.permission !== 'granted' || !('serviceWorker' in navigator)) return false;
      const registration = await navigator.serviceWorker.getRegistration();
      if (!registration) return false;
      const { title, body } = describe(notice);
      // One notification per notice (its tag), replaced and sounded again by each reminder.
      await registration.showNotification(title, { body, tag: tagOf(notice.seq), requireInteraction: true, renotify: true, icon: '/icon-192.png' } as NotificationOptions);
      return true;
    },
    async close(seq) {
      if (!('serviceWorker' in navigator)) return;
      const registration = await navigator.serviceWorker.getRegistration();
      for (const shown of (await registration?.getNotifications({ tag: tagOf(seq) })) ?? []) shown.close();
    },
  };
}

/** The tag of notice `seq`'s notification: one per notice, replaced by its reminders. */
const tagOf = (seq: number): string => `tally-notice-${seq}`;

/** Asks for permission to notify; call it from a user gesture (a tap), as browsers require. */
export function askToNotify(): void {
  if (typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission().catch(() => undefined);
}
