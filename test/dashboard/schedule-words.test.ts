/** Schedules in words on the jobs pages: the common forms said plainly, anything else left as written. */
import { describe, expect, it } from 'vitest';
import { cronInWords, scheduleInWords } from '../../src/dashboard/html/schedule-words.js';

describe('cronInWords', () => {
  it.each([
    ['* * * * *', 'every minute'],
    ['*/5 * * * *', 'every 5 minutes'],
    ['*/10 * * * * *', 'every 10 seconds'],
    ['0 * * * *', 'at minute 0 of every hour'],
    ['0 */6 * * *', 'every 6 hours at minute 0'],
    ['0 3 * * *', 'at 03:00'],
    ['30 9,17 * * 1-5', 'at 09:30 and 17:30 on Monday to Friday'],
    ['0 9 1 1,4,7,10 *', 'at 09:00 on day 1 of the month in January, April, July and October'],
    ['0 0 L * *', 'at 00:00 on the last day of the month'],
    ['0 8 * * SUN', 'at 08:00 on Sunday'],
    ['@daily', 'at 00:00'],
    ['15 10 * * * *', 'at minute 10 of every hour and 15 seconds'],
  ])('%s → %s', (expression, words) => {
    expect(cronInWords(expression)).toBe(words);
  });

  it.each(['0 0 1 * 1', '0 9-17/2 * * *', '0 0 * * 5#3', '1-5 * * * *', 'not cron'])(
    'leaves %s as written (null)',
    (expression) => {
      expect(cronInWords(expression)).toBeNull();
    },
  );

  it('words every and at schedules', () => {
    expect(scheduleInWords({ kind: 'every', everyMs: 900_000, anchor: '2026-01-01T00:00:00.000Z' })).toBe(
      'Every 15 minutes',
    );
    expect(scheduleInWords({ kind: 'at', at: '2026-01-01T00:00:00.000Z' })).toBe('Once');
    expect(scheduleInWords({ kind: 'cron', cron: '0 3 * * *', timezone: 'UTC' })).toBe('At 03:00');
  });
});
