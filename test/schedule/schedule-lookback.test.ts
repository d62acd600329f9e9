import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeSchedule } from '../../src/schedule/normalize.js';
import { countOccurrences, nextOccurrence, previousOccurrence } from '../../src/schedule/schedule.js';
import type { NormalizedSchedule } from '../../src/schedule/types.js';

// previousOccurrence and countOccurrences answer directly (catch-up after an outage of any length must not
// walk every missed occurrence), so they are held here to nextOccurrence, which owns the DST rules: the
// last occurrence at or before t is an occurrence, and the next one after it is past t; a count equals the
// occurrences walked one by one. test/schedule/schedule-oracle.test.ts also holds both to the oracle.

const HOUR = 3_600_000;
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/St_Johns',
  'America/Santiago',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Pacific/Apia',
  'Africa/Casablanca',
  'Asia/Kathmandu',
];
const EXPRESSIONS = [
  '* * * * * *',
  '*/7 * * * * *',
  '*/20 * 2-3 * * *',
  '0 30 2 * * *',
  '* 2 * * *',
  '0 * * * *',
  '30 * * * *',
  '45 0-3 * * *',
  '30 2 * * *',
  '0,30 1-3 * * *',
  '59 1 * * *',
  '15 2 * * 0',
  '0 9 * * 1#2',
  '5 4 * * 5L',
  '0 0 L * *',
  '0 0 29 2 *',
  '0 0 1 1 *',
];
// Instants just around the 2026 transitions of the zones above, where the DST rules bite.
const TRANSITIONS = [
  '2026-03-29T01:00:00Z',
  '2026-10-25T01:00:00Z',
  '2026-03-08T07:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-03-08T05:30:00Z',
  '2026-04-05T03:00:00Z',
  '2026-09-06T04:00:00Z',
  '2026-04-04T15:00:00Z',
  '2026-10-03T15:00:00Z',
  '2026-04-04T14:00:00Z',
  '2026-09-26T14:00:00Z',
  '2026-02-15T02:00:00Z',
].map(Date.parse);

const schedules = new Map<string, NormalizedSchedule>();
function cron(expression: string, timezone: string): NormalizedSchedule {
  const key = `${expression}@${timezone}`;
  let schedule = schedules.get(key);
  if (schedule === undefined) {
    schedule = normalizeSchedule(
      { cron: expression, timezone },
      { jobId: 'j', timezone: 'UTC', now: 0, allowPastAt: true },
    );
    schedules.set(key, schedule);
  }
  return schedule;
}

function expectPrevious(schedule: NormalizedSchedule, t: number): void {
  const previous = previousOccurrence(schedule, t);
  expect(previous).not.toBeNull();
  expect(previous!).toBeLessThanOrEqual(t);
  expect(nextOccurrence(schedule, previous! - 1)).toBe(previous);
  const after = nextOccurrence(schedule, previous!);
  expect(after === null || after > t).toBe(true);
}

function walkCount(schedule: NormalizedSchedule, from: number, to: number): number {
  let n = 0;
  for (let at = nextOccurrence(schedule, from); at !== null && at <= to; at = nextOccurrence(schedule, at))
    n++;
  return n;
}

describe('previousOccurrence', () => {
  it('is the last occurrence at or before t, for cron schedules in any zone', () => {
    const anyTime = fc.integer({
      min: Date.parse('2019-01-01T00:00:00Z'),
      max: Date.parse('2031-01-01T00:00:00Z'),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...EXPRESSIONS),
        fc.constantFrom(...ZONES),
        anyTime,
        (expression, zone, t) => expectPrevious(cron(expression, zone), t),
      ),
      { numRuns: 1500 },
    );
  });

  it('is the last occurrence at or before t around DST transitions (gaps and repeated hours)', () => {
    const nearTransition = fc
      .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -3 * HOUR, max: 3 * HOUR }))
      .map(([at, offset]) => at + offset);
    fc.assert(
      fc.property(
        fc.constantFrom(...EXPRESSIONS.slice(0, 12)),
        fc.constantFrom(...ZONES.slice(1)),
        nearTransition,
        (expression, zone, t) => expectPrevious(cron(expression, zone), t),
      ),
      { numRuns: 3000 },
    );
  });

  it('finds the newest occurrence of a per-second schedule three days on, and the last Feb 29', () => {
    const now = Date.parse('2026-06-01T12:00:00.250Z');
    expect(previousOccurrence(cron('* * * * * *', 'Europe/Berlin'), now)).toBe(now - 250);
    expect(previousOccurrence(cron('0 0 29 2 *', 'Europe/Berlin'), now)).toBe(
      Date.parse('2024-02-28T23:00:00Z'),
    );
    expect(previousOccurrence(cron('0 0 29 2 *', 'UTC'), Date.parse('2024-02-28T23:59:59Z'))).toBe(
      Date.parse('2020-02-29T00:00:00Z'),
    );
  });

  it('works in closed form for every and at schedules', () => {
    const every: NormalizedSchedule = { kind: 'every', everyMs: 5000, anchor: '2026-01-01T00:00:00.000Z' };
    const anchor = Date.parse(every.anchor);
    expect(previousOccurrence(every, anchor + 4999)).toBeNull(); // the first run is one interval after the anchor
    expect(previousOccurrence(every, anchor + 5000)).toBe(anchor + 5000);
    expect(previousOccurrence(every, anchor + 3 * 86_400_000 + 4999)).toBe(anchor + 3 * 86_400_000);
    const at: NormalizedSchedule = { kind: 'at', at: '2026-01-01T10:00:00.000Z' };
    expect(previousOccurrence(at, Date.parse(at.at) - 1)).toBeNull();
    expect(previousOccurrence(at, Date.parse(at.at) + 86_400_000)).toBe(Date.parse(at.at));
  });
});

describe('countOccurrences', () => {
  it('counts (from, to] as walking nextOccurrence does, around DST transitions', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EXPRESSIONS),
        fc.constantFrom(...ZONES),
        fc.constantFrom(...TRANSITIONS),
        fc.integer({ min: -4 * HOUR, max: 4 * HOUR }),
        fc.integer({ min: 0, max: 6 * HOUR }),
        (expression, zone, at, offset, length) => {
          const schedule = cron(expression, zone);
          const from = at + offset;
          expect(countOccurrences(schedule, from, from + length)).toBe(
            walkCount(schedule, from, from + length),
          );
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('counts long ranges of sparse schedules as walking does', () => {
    const anyTime = fc.integer({
      min: Date.parse('2019-01-01T00:00:00Z'),
      max: Date.parse('2031-01-01T00:00:00Z'),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...EXPRESSIONS.slice(6)),
        fc.constantFrom(...ZONES),
        anyTime,
        fc.integer({ min: 0, max: 400 * 86_400_000 }),
        (expression, zone, from, length) => {
          const schedule = cron(expression, zone);
          expect(countOccurrences(schedule, from, from + length)).toBe(
            walkCount(schedule, from, from + length),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('adds up: (a, b] and (b, c] make (a, c]', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EXPRESSIONS),
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') }),
        fc.integer({ min: 0, max: 90 * 86_400_000 }),
        fc.integer({ min: 0, max: 90 * 86_400_000 }),
        (expression, zone, a, ab, bc) => {
          const schedule = cron(expression, zone);
          const whole = countOccurrences(schedule, a, a + ab + bc);
          expect(
            countOccurrences(schedule, a, a + ab) + countOccurrences(schedule, a + ab, a + ab + bc),
          ).toBe(whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts three days of a per-second schedule, and every and at schedules in closed form', () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    // Across the October fall-back hour too: 25 hours that day.
    expect(countOccurrences(cron('* * * * * *', 'Europe/Berlin'), now - 3 * 86_400_000, now)).toBe(259_200);
    const october = Date.parse('2026-10-24T22:00:00Z'); // 00:00 CEST on the 25th, the day of 25 hours
    expect(countOccurrences(cron('* * * * * *', 'Europe/Berlin'), october, october + 25 * HOUR)).toBe(90_000);
    expect(countOccurrences(cron('30 2 * * *', 'Europe/Berlin'), october, october + 25 * HOUR)).toBe(1);
    const every: NormalizedSchedule = { kind: 'every', everyMs: 5000, anchor: '2026-01-01T00:00:00.000Z' };
    const anchor = Date.parse(every.anchor);
    expect(countOccurrences(every, anchor - 86_400_000, anchor + 5000)).toBe(1);
    expect(countOccurrences(every, anchor + 5000, anchor + 180_000)).toBe(35);
    expect(countOccurrences(every, anchor, anchor)).toBe(0);
    const at: NormalizedSchedule = { kind: 'at', at: '2026-01-01T10:00:00.000Z' };
    expect(countOccurrences(at, Date.parse(at.at) - 1, Date.parse(at.at))).toBe(1);
    expect(countOccurrences(at, Date.parse(at.at), Date.parse(at.at) + 1)).toBe(0);
  });
});
