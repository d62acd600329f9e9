import { describe, expect, it } from 'vitest';
import { MIN_EVERY_MS, normalizeSchedule, parseDuration } from '../../src/schedule/normalize.js';
import {
  countOccurrences,
  jitterFor,
  nextOccurrence,
  previousOccurrence,
} from '../../src/schedule/schedule.js';
import type { ScheduleInput } from '../../src/schedule/types.js';
import { NOW, opts, rejection } from '../helpers/schedule.js';

// The schedules that are not cron: `every` (and the durations it reads) and `at`, and the per-occurrence
// jitter every kind of schedule shares. Cron schedules are in cron.test.ts.

describe('every schedules', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5s', 1_500],
    [' 2 h ', 7_200_000],
    [2500, 2500],
  ])('%j is %i ms', (every, ms) => {
    expect(normalizeSchedule({ every }, opts())).toEqual({
      kind: 'every',
      everyMs: ms,
      anchor: '2026-01-01T00:00:00.000Z',
    });
  });

  it('fires at anchor + k·every: first one interval after the job was added, then without drift', () => {
    const s = normalizeSchedule({ every: '90s' }, opts({ now: NOW + 250 }));
    expect(nextOccurrence(s, NOW)).toBe(NOW + 250 + 90_000);
    expect(nextOccurrence(s, NOW + 250)).toBe(NOW + 250 + 90_000);
    // Asked late (a run took 5 minutes): the grid holds, nothing drifts.
    expect(nextOccurrence(s, NOW + 300_000)).toBe(NOW + 250 + 4 * 90_000);
    // Counted and looked back on the same grid, in closed form.
    expect(countOccurrences(s, NOW, NOW + 250 + 10 * 90_000)).toBe(10);
    expect(countOccurrences(s, NOW + 250 + 90_000, NOW + 250 + 10 * 90_000 - 1)).toBe(8);
    expect(previousOccurrence(s, NOW + 250 + 10 * 90_000 + 89_999)).toBe(NOW + 250 + 10 * 90_000);
    expect(previousOccurrence(s, NOW + 250 + 90_000 - 1)).toBeNull();
  });

  it('ignores the other forms when they are set to undefined (spread options)', () => {
    const input = { cron: undefined, every: '1m', at: undefined } as unknown as ScheduleInput;
    expect(normalizeSchedule(input, opts())).toMatchObject({ kind: 'every', everyMs: 60_000 });
  });

  it.each([
    ['500ms', 'is 500 ms; the minimum is 1s'],
    [999, 'is 999 ms; the minimum is 1s'],
    [0, 'the minimum is 1s'],
    [-5000, 'the minimum is 1s'],
    ['3651d', 'the maximum is 3650d'],
    ['abc', "expected a duration like '90s'"],
    ['15 minutes', "expected a duration like '90s'"],
    ['-1m', "expected a duration like '90s'"],
    [Number.NaN, "expected a duration like '90s'"],
    [Number.POSITIVE_INFINITY, "expected a duration like '90s'"],
    [null, "expected a duration like '90s'"],
  ])('rejects %j', (every, message) => {
    const error = rejection({ every });
    expect(error).toMatchObject({ code: 'ERR_INVALID_SCHEDULE', field: 'schedule.every' });
    expect(error.message).toContain('Job "job-1": schedule.every');
    expect(error.message).toContain(message);
    expect(MIN_EVERY_MS).toBe(1000);
  });
});

describe('at schedules', () => {
  it('fires once at the instant, from a Date or an ISO string', () => {
    const s = normalizeSchedule({ at: '2026-01-02T03:04:05+02:00' }, opts());
    expect(s).toEqual({ kind: 'at', at: '2026-01-02T01:04:05.000Z' });
    expect(nextOccurrence(s, NOW)).toBe(Date.parse('2026-01-02T01:04:05Z'));
    expect(nextOccurrence(s, Date.parse('2026-01-02T01:04:05Z'))).toBeNull();
    expect(normalizeSchedule({ at: new Date(NOW + 1000) }, opts())).toEqual({
      kind: 'at',
      at: '2026-01-01T00:00:01.000Z',
    });
  });

  it('rejects a past instant unless allowPastAt (the job catches up), with a second of grace', () => {
    const past = { at: '2025-12-31T23:00:00Z' };
    const error = rejection(past);
    expect(error.field).toBe('schedule.at');
    expect(error.message).toContain('2025-12-31T23:00:00.000Z, in the past');
    expect(normalizeSchedule(past, opts({ allowPastAt: true }))).toEqual({
      kind: 'at',
      at: '2025-12-31T23:00:00.000Z',
    });
    expect(normalizeSchedule({ at: new Date(NOW - 500) }, opts()).kind).toBe('at');
  });

  it.each([['not a date'], [''], [1767225600000], [new Date(Number.NaN)], [null]])('rejects %j', (at) => {
    const error = rejection({ at });
    expect(error).toMatchObject({ code: 'ERR_INVALID_SCHEDULE', field: 'schedule.at' });
    expect(error.message).toContain('expected a Date or an ISO-8601 string');
  });
});

describe('parseDuration', () => {
  it('parses units and passes finite numbers through; anything else is NaN', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('0.5m')).toBe(30_000);
    expect(parseDuration(1234)).toBe(1234);
    for (const bad of ['', '5', '5w', 'm5', '1e3s', Number.NaN, Number.NEGATIVE_INFINITY]) {
      expect(parseDuration(bad)).toBeNaN();
    }
  });
});

describe('jitterFor', () => {
  it('is deterministic per (job, occurrence), within [0, jitterMs], and spreads occurrences', () => {
    const at = Date.parse('2026-01-01T00:00:00Z');
    expect(jitterFor('a', at, 30_000)).toBe(jitterFor('a', at, 30_000));
    expect(jitterFor('a', at, 0)).toBe(0);
    const values = Array.from({ length: 200 }, (_, i) => jitterFor('a', at + i * 60_000, 30_000));
    expect(values.every((v) => Number.isInteger(v) && v >= 0 && v <= 30_000)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(150);
    const perJob = Array.from({ length: 50 }, (_, i) => jitterFor(`job-${i}`, at, 30_000));
    expect(new Set(perJob).size).toBeGreaterThan(40);
  });
});
