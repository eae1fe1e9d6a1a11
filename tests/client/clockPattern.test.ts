/**
 * A learnt clock pattern prints exactly what the Intl formatter it was learnt
 * from prints (its formatToParts, which the app prints from), in every locale it is kept for; others are not learnt.
 */
import { describe, expect, it } from 'vitest';
import { clockParts, DAY_MONTH_TIME, learnClockPattern, printClock, readClockPattern } from '../../client/app/lib/clockPattern';

const LOCALES = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES', 'nl-NL', 'pl-PL', 'pt-BR', 'it-IT', 'sv-SE', 'ja-JP', 'zh-CN', 'ko-KR', 'en-IN', 'tr-TR'];

/** Every minute of a day's hours at a few minutes, on days across the year. */
const DATES = [0, 1, 9, 11, 12, 13, 21, 23].flatMap((h) => [0, 7, 59].flatMap((min) => [new Date(2026, 0, 1, h, min), new Date(2026, 2, 3, h, min), new Date(2026, 11, 31, h, min)]));

describe('learnClockPattern', () => {
  it.each(LOCALES)('prints what Intl prints in %s, part by part', (locale) => {
    const format = new Intl.DateTimeFormat(locale, DAY_MONTH_TIME);
    const pattern = learnClockPattern(format, locale);
    // Only a locale whose digits and fields a pattern cannot print is left to Intl.
    if (!pattern) return expect(format.resolvedOptions().numberingSystem !== 'latn' || format.formatToParts(DATES[0]!).some((p) => !['literal', 'month', 'day', 'hour', 'minute', 'dayPeriod'].includes(p.type))).toBe(true);
    for (const d of DATES) {
      expect(printClock(pattern, d)).toBe(format.formatToParts(d).map((p) => p.value).join(''));
      expect(clockParts(pattern, d)).toEqual(format.formatToParts(d).map(({ type, value }) => ({ type, value })));
    }
  });

  it('learns most of the languages crews use', () => {
    const learnt = LOCALES.filter((l) => learnClockPattern(new Intl.DateTimeFormat(l, DAY_MONTH_TIME), l));
    expect(learnt.length).toBeGreaterThanOrEqual(LOCALES.length - 3);
  });

  it('leaves a locale with other digits to Intl', () => {
    expect(learnClockPattern(new Intl.DateTimeFormat('ar-EG', DAY_MONTH_TIME), 'ar-EG')).toBeNull();
  });
});

describe('readClockPattern', () => {
  const kept = JSON.stringify(learnClockPattern(new Intl.DateTimeFormat('en-GB', DAY_MONTH_TIME), 'en-GB,en'));
  it.each([
    ['the pattern kept for these languages', kept, 'en-GB,en', true],
    ['a pattern kept for other languages (the device changed language)', kept, 'de-DE', false],
    ['nothing kept', null, 'en-GB,en', false],
    ['damaged JSON', '{"version":1,', 'en-GB,en', false],
    ['another version', kept.replace('"version":1', '"version":2'), 'en-GB,en', false],
  ])('%s', (_name, json, languages, usable) => {
    expect(readClockPattern(json, languages) !== null).toBe(usable);
  });
});
