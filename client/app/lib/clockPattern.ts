/**
 * How the device's locale writes a day and a time ("Mar 6, 09:07 AM",
 * "6 Mar, 09:07"), learnt once from Intl and kept, so later cold starts print
 * times without making an Intl.DateTimeFormat: the first one a page makes
 * loads the locale's calendar data, 60-250 ms of a throttled phone's main
 * thread, ahead of the records list. The pattern prints exactly what the
 * formatter it was learnt from prints (tests compare them across locales);
 * a locale it cannot reproduce (non-Latin digits, an unusual hour field) is
 * not learnt, and Intl is used as before.
 */

/** A part of the printed text: a field filled per date, or literal text. */
type PatternPart = { field: 'month' | 'day' | 'hour' | 'minute' | 'dayPeriod' } | { literal: string };

/** What `learnClockPattern` keeps (JSON, in localStorage). */
export interface ClockPattern {
  readonly version: 1;
  /** The device languages it was learnt under: a device whose languages changed learns again. */
  readonly languages: string;
  readonly parts: readonly PatternPart[];
  /** Short month names, January first. */
  readonly months: readonly string[];
  /** Morning and afternoon marks (empty for a 24-hour clock). */
  readonly periods: readonly [string, string];
  readonly hourCycle: 'h11' | 'h12' | 'h23' | 'h24';
  /** "09" rather than "9". */
  readonly twoDigitHour: boolean;
}

/** The options of the formatter a pattern stands for (format.ts uses the same). */
export const DAY_MONTH_TIME: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };

const FIELDS = new Set(['month', 'day', 'hour', 'minute', 'dayPeriod']);

/**
 * Learns `format`'s pattern (made with DAY_MONTH_TIME under the device's
 * `languages`), or null when a pattern could not print what it prints.
 */
export function learnClockPattern(format: Intl.DateTimeFormat, languages: string): ClockPattern | null {
  const resolved = format.resolvedOptions();
  if (resolved.numberingSystem !== 'latn' || resolved.calendar !== 'gregory') return null;
  const hourCycle = resolved.hourCycle ?? (resolved.hour12 ? 'h12' : 'h23');
  // 9:07 in the morning, 21:07 in the evening, on a single-digit day: padding and periods show.
  const morning = new Date(2021, 0, 5, 9, 7);
  const evening = new Date(2021, 0, 5, 21, 7);
  const reference = format.formatToParts(morning);
  const parts: PatternPart[] = [];
  for (const p of reference) {
    if (p.type === 'literal') parts.push({ literal: p.value });
    else if (FIELDS.has(p.type)) parts.push({ field: p.type as 'month' });
    else return null;
  }
  const valueOf = (date: Date, type: string) => format.formatToParts(date).find((p) => p.type === type)?.value ?? '';
  const months = Array.from({ length: 12 }, (_, m) => valueOf(new Date(2021, m, 5, 9, 7), 'month'));
  const periods: [string, string] = [valueOf(morning, 'dayPeriod'), valueOf(evening, 'dayPeriod')];
  const pattern: ClockPattern = { version: 1, languages, parts, months, periods, hourCycle, twoDigitHour: valueOf(morning, 'hour').length === 2 };
  // Only a pattern that reprints its formatter, checked on dates that vary every field, is kept.
  // (Against formatToParts, which the app prints from: format() swaps some spaces for plain ones.)
  const checks = [morning, evening, new Date(2021, 11, 25, 0, 30), new Date(2024, 1, 29, 12, 0), new Date(2023, 6, 14, 23, 59)];
  const printed = (d: Date) => format.formatToParts(d).map((p) => p.value).join('');
  return checks.every((d) => printClock(pattern, d) === printed(d)) ? pattern : null;
}

/** `d` in parts, as the pattern's formatter's formatToParts gives them. */
export function clockParts(pattern: ClockPattern, d: Date): Array<{ type: string; value: string }> {
  const h = d.getHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  const hour = { h23: h, h24: h === 0 ? 24 : h, h12: h % 12 === 0 ? 12 : h % 12, h11: h % 12 }[pattern.hourCycle];
  return pattern.parts.map((p) => {
    if ('literal' in p) return { type: 'literal', value: p.literal };
    switch (p.field) {
      case 'month':
        return { type: 'month', value: pattern.months[d.getMonth()] ?? '' };
      case 'day':
        return { type: 'day', value: String(d.getDate()) };
      case 'hour':
        return { type: 'hour', value: pattern.twoDigitHour ? pad(hour) : String(hour) };
      case 'minute':
        return { type: 'minute', value: pad(d.getMinutes()) };
      case 'dayPeriod':
        return { type: 'dayPeriod', value: pattern.periods[h < 12 ? 0 : 1] };
    }
  });
}

/** `d` printed whole by the pattern. */
export function printClock(pattern: ClockPattern, d: Date): string {
  return clockParts(pattern, d)
    .map((p) => p.value)
    .join('');
}

/** A kept pattern, if it reads as one and was learnt under `languages`. */
export function readClockPattern(json: string | null, languages: string): ClockPattern | null {
  if (!json) return null;
  try {
    const p = JSON.parse(json) as ClockPattern;
    const ok = p && p.version === 1 && p.languages === languages && Array.isArray(p.parts) && Array.isArray(p.months) && p.months.length === 12 && Array.isArray(p.periods);
    return ok ? p : null;
  } catch {
    return null;
  }
}
