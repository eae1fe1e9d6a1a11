/** Times, durations and sizes as the screens print them. */
import { clockParts, DAY_MONTH_TIME, learnClockPattern, readClockPattern, type ClockPattern } from './clockPattern';

// One formatter per style, made once: toLocaleTimeString builds a new
// Intl.DateTimeFormat on every call, about 1 ms each on a throttled phone,
// which a list of 1,000 rows or 500 lines paid per row. Made on first use,
// not when the module loads: each costs 20-30 ms on a throttled phone, paid
// before a cold start's first screen even when that screen prints no time.
function formatter(options: Intl.DateTimeFormatOptions): () => Intl.DateTimeFormat {
  let made: Intl.DateTimeFormat | null = null;
  return () => (made ??= new Intl.DateTimeFormat([], options));
}
// The records list's times come from one formatter: each one made costs a cold start. Once
// it has been made, its pattern is kept (clockPattern.ts) and later starts make none.
const dayMonthTime = formatter(DAY_MONTH_TIME);
const hourMinuteSecond = formatter({ hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayMonth = formatter({ day: 'numeric', month: 'short' });
const CLOCK_KEY = 'tally.clockPattern';
/** The kept pattern (undefined until read); learnt at most once per page. */
let clock: ClockPattern | null | undefined;
let clockLearnt = false;

/** The device's languages, what a kept pattern was learnt under. */
function deviceLanguages(): string {
  return typeof navigator === 'undefined' ? '' : (navigator.languages ?? [navigator.language]).join(',');
}

/** `d` in parts as DAY_MONTH_TIME prints it: from the kept pattern, else from Intl (and the pattern is learnt). */
function dayMonthTimeParts(d: Date): Array<{ type: string; value: string }> {
  const store = typeof localStorage === 'undefined' ? null : localStorage;
  if (clock === undefined) clock = readClockPattern(store?.getItem(CLOCK_KEY) ?? null, deviceLanguages());
  if (clock) return clockParts(clock, d);
  const parts = dayMonthTime().formatToParts(d);
  if (!clockLearnt && store) {
    // Once per page; a locale no pattern can print stays with Intl.
    clockLearnt = true;
    clock = learnClockPattern(dayMonthTime(), deviceLanguages());
    if (clock) store.setItem(CLOCK_KEY, JSON.stringify(clock));
  }
  return parts;
}

/** Same calendar day in local time. */
function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** "3 Mar" and "14:05" of `d`, from the one formatter (the day is whatever the locale puts before the hour). */
function dayAndTime(d: Date): { day: string; time: string } {
  const parts = dayMonthTimeParts(d);
  const hourAt = parts.findIndex((p) => p.type === 'hour');
  const day = parts.slice(0, Math.max(0, hourAt)).map((p) => p.value).join('').replace(/[\s,]+$/, '');
  const time = parts.slice(Math.max(0, hourAt)).map((p) => p.value).join('');
  // A locale that writes the time first: the day from its own formatter.
  return day ? { day, time } : { day: dayMonth().format(d), time: time.replace(/^.*?(\d)/, '$1') };
}

/** "14:05" today, "3 Mar 14:05" on another day. */
export function timeText(ms: number, now: number = Date.now()): string {
  const d = new Date(ms);
  const { day, time } = dayAndTime(d);
  if (sameDay(new Date(now), d)) return time;
  return `${day} ${time}`;
}

/** "3 Mar 14:05:09" (history and sync screens, where seconds matter). */
export function preciseTime(ms: number): string {
  const d = new Date(ms);
  return `${dayMonth().format(d)} ${hourMinuteSecond().format(d)}`;
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
