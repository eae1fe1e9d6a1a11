/** Times, durations and sizes as the screens print them. */

// One formatter per style, made once: toLocaleTimeString builds a new
// Intl.DateTimeFormat on every call, about 1 ms each on a throttled phone,
// which a list of 1,000 rows or 500 lines paid per row.
const hourMinute = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit' });
const hourMinuteSecond = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayMonth = new Intl.DateTimeFormat([], { day: 'numeric', month: 'short' });

/** Same calendar day in local time. */
function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** "14:05" today, "3 Mar 14:05" on another day. */
export function timeText(ms: number, now: number = Date.now()): string {
  const d = new Date(ms);
  const time = hourMinute.format(d);
  if (sameDay(new Date(now), d)) return time;
  return `${dayMonth.format(d)} ${time}`;
}

/** "3 Mar 14:05:09" (history and sync screens, where seconds matter). */
export function preciseTime(ms: number): string {
  const d = new Date(ms);
  return `${dayMonth.format(d)} ${hourMinuteSecond.format(d)}`;
}

/** "just now", "4 min ago", "3 h ago", "2 days ago". */
export function ago(ms: number | null, now: number = Date.now()): string {
  if (ms === null) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

/** "1.2 MB". */
export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** "1 change", "3 changes". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
