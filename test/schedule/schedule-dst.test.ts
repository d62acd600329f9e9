import { describe, expect, it } from 'vitest';
import { normalizeSchedule } from '../../src/schedule/normalize.js';
import { nextOccurrence } from '../../src/schedule/schedule.js';
import { wallClock } from '../helpers/cron-oracle.js';

// Explicit DST and calendar cases; the rules are in docs/schedules.md. Each fire time is shown as
// `UTC instant = local wall time (UTC offset)` so a failure reads like the doc's tables.

const HOUR = 3_600_000;

function firesBetween(cron: string, timezone: string, from: string, to: string): string[] {
  const schedule = normalizeSchedule(
    { cron, timezone },
    { jobId: 'dst', timezone: 'UTC', now: 0, allowPastAt: true },
  );
  const end = Date.parse(to);
  const out: string[] = [];
  let cursor = Date.parse(from);
  for (;;) {
    const next = nextOccurrence(schedule, cursor);
    if (next === null || next > end) return out;
    out.push(describe_(next, timezone));
    cursor = next;
  }
}

function describe_(ms: number, timezone: string): string {
  const wall = wallClock(timezone, ms);
  const offset = (wall - ms) / 60_000;
  const sign = offset < 0 ? '-' : '+';
  const hhmm = `${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
  const local = new Date(wall).toISOString().replace('T', ' ').slice(0, 19);
  return `${new Date(ms).toISOString().slice(0, 16)}Z = ${local} (${sign}${hhmm})`;
}

/** Asserts one fire per real hour: consecutive fire instants exactly an hour apart, none missing. */
function expectHourly(cron: string, timezone: string, from: string, hours: number): void {
  const schedule = normalizeSchedule(
    { cron, timezone },
    { jobId: 'h', timezone: 'UTC', now: 0, allowPastAt: true },
  );
  let cursor = Date.parse(from);
  const first = nextOccurrence(schedule, cursor)!;
  expect(first - cursor).toBeLessThanOrEqual(HOUR);
  cursor = first;
  for (let i = 0; i < hours; i++) {
    const next = nextOccurrence(schedule, cursor)!;
    expect(next - cursor, `after ${describe_(cursor, timezone)}`).toBe(HOUR);
    cursor = next;
  }
}

describe('spring forward (a wall-clock gap)', () => {
  it('Europe/Berlin: 02:30 daily runs once on 29 March 2026, at 03:30 CEST (shifted by the gap)', () => {
    expect(firesBetween('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00Z', '2026-03-31T00:00Z')).toEqual([
      '2026-03-28T01:30Z = 2026-03-28 02:30:00 (+01:00)',
      '2026-03-29T01:30Z = 2026-03-29 03:30:00 (+02:00)',
      '2026-03-30T00:30Z = 2026-03-30 02:30:00 (+02:00)',
    ]);
  });

  it('America/New_York: 02:30 daily runs once on 8 March 2026, at 03:30 EDT', () => {
    expect(firesBetween('30 2 * * *', 'America/New_York', '2026-03-07T00:00Z', '2026-03-10T00:00Z')).toEqual([
      '2026-03-07T07:30Z = 2026-03-07 02:30:00 (-05:00)',
      '2026-03-08T07:30Z = 2026-03-08 03:30:00 (-04:00)',
      '2026-03-09T06:30Z = 2026-03-09 02:30:00 (-04:00)',
    ]);
  });

  it('a job at 02:30 and one at 03:30 both run at 03:30; minutes in the gap keep their order', () => {
    expect(firesBetween('30 2,3 * * *', 'Europe/Berlin', '2026-03-29T00:00Z', '2026-03-29T03:00Z')).toEqual([
      '2026-03-29T01:30Z = 2026-03-29 03:30:00 (+02:00)',
    ]);
    expect(firesBetween('*/20 2 * * *', 'Europe/Berlin', '2026-03-29T00:00Z', '2026-03-29T03:00Z')).toEqual([
      '2026-03-29T01:00Z = 2026-03-29 03:00:00 (+02:00)',
      '2026-03-29T01:20Z = 2026-03-29 03:20:00 (+02:00)',
      '2026-03-29T01:40Z = 2026-03-29 03:40:00 (+02:00)',
    ]);
  });

  it('Australia/Lord_Howe (30-minute shift, 02:00 → 02:30 on 4 Oct 2026): existing times run, gap times shift', () => {
    expect(
      firesBetween('*/15 * * * *', 'Australia/Lord_Howe', '2026-10-03T15:00Z', '2026-10-03T16:00Z'),
    ).toEqual([
      '2026-10-03T15:15Z = 2026-10-04 01:45:00 (+10:30)',
      '2026-10-03T15:30Z = 2026-10-04 02:30:00 (+11:00)',
      '2026-10-03T15:45Z = 2026-10-04 02:45:00 (+11:00)',
      '2026-10-03T16:00Z = 2026-10-04 03:00:00 (+11:00)',
    ]);
    // 02:00 and 02:15 do not exist: they run 30 minutes later on the new clock.
    expect(
      firesBetween('0 2 * * *', 'Australia/Lord_Howe', '2026-10-03T00:00Z', '2026-10-04T12:00Z'),
    ).toEqual(['2026-10-03T15:30Z = 2026-10-04 02:30:00 (+11:00)']);
    expect(
      firesBetween('15 2 * * *', 'Australia/Lord_Howe', '2026-10-03T00:00Z', '2026-10-04T12:00Z'),
    ).toEqual(['2026-10-03T15:45Z = 2026-10-04 02:45:00 (+11:00)']);
  });

  it('Australia/Lord_Howe: an hour-* job runs only at real instants, never at a gap time moved by 30 minutes', () => {
    // 02:00 does not exist; moved by the gap it would be 02:30, thirty minutes before the 03:00 run.
    expect(
      firesBetween('0 * * * *', 'Australia/Lord_Howe', '2026-10-03T13:00Z', '2026-10-03T18:00Z'),
    ).toEqual([
      '2026-10-03T13:30Z = 2026-10-04 00:00:00 (+10:30)',
      '2026-10-03T14:30Z = 2026-10-04 01:00:00 (+10:30)',
      '2026-10-03T16:00Z = 2026-10-04 03:00:00 (+11:00)',
      '2026-10-03T17:00Z = 2026-10-04 04:00:00 (+11:00)',
      '2026-10-03T18:00Z = 2026-10-04 05:00:00 (+11:00)',
    ]);
    expect(
      firesBetween('15,45 * * * *', 'Australia/Lord_Howe', '2026-10-03T15:00Z', '2026-10-03T16:30Z'),
    ).toEqual([
      '2026-10-03T15:15Z = 2026-10-04 01:45:00 (+10:30)',
      '2026-10-03T15:45Z = 2026-10-04 02:45:00 (+11:00)',
      '2026-10-03T16:15Z = 2026-10-04 03:15:00 (+11:00)',
    ]);
    // The same instants as the whole-hour gaps give, where a moved time always lands on a real run.
    expect(firesBetween('@hourly', 'Australia/Lord_Howe', '2026-10-03T15:00Z', '2026-10-03T16:00Z')).toEqual([
      '2026-10-03T16:00Z = 2026-10-04 03:00:00 (+11:00)',
    ]);
  });

  it('a midnight gap (America/Santiago, 00:00 → 01:00 on 6 Sep 2026) keeps the daily midnight job', () => {
    expect(firesBetween('0 0 * * *', 'America/Santiago', '2026-09-05T00:00Z', '2026-09-07T12:00Z')).toEqual([
      '2026-09-05T04:00Z = 2026-09-05 00:00:00 (-04:00)',
      '2026-09-06T04:00Z = 2026-09-06 01:00:00 (-03:00)',
      '2026-09-07T03:00Z = 2026-09-07 00:00:00 (-03:00)',
    ]);
  });
});

describe('fall back (a repeated wall-clock hour)', () => {
  it('Europe/Berlin: 02:30 daily runs once on 25 October 2026, at the first 02:30 (CEST)', () => {
    expect(firesBetween('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00Z', '2026-10-26T12:00Z')).toEqual([
      '2026-10-25T00:30Z = 2026-10-25 02:30:00 (+02:00)',
      '2026-10-26T01:30Z = 2026-10-26 02:30:00 (+01:00)',
    ]);
  });

  it('America/New_York: 01:30 daily runs once on 1 November 2026 (EDT), and 02:30 once as usual', () => {
    expect(firesBetween('30 1 * * *', 'America/New_York', '2026-10-31T12:00Z', '2026-11-02T12:00Z')).toEqual([
      '2026-11-01T05:30Z = 2026-11-01 01:30:00 (-04:00)',
      '2026-11-02T06:30Z = 2026-11-02 01:30:00 (-05:00)',
    ]);
    expect(firesBetween('30 2 * * *', 'America/New_York', '2026-10-31T12:00Z', '2026-11-01T12:00Z')).toEqual([
      '2026-11-01T07:30Z = 2026-11-01 02:30:00 (-05:00)',
    ]);
  });

  it('a job restricted to the repeated hour runs only in its first pass', () => {
    expect(firesBetween('0,30 2 * * *', 'Europe/Berlin', '2026-10-24T23:00Z', '2026-10-25T03:00Z')).toEqual([
      '2026-10-25T00:00Z = 2026-10-25 02:00:00 (+02:00)',
      '2026-10-25T00:30Z = 2026-10-25 02:30:00 (+02:00)',
    ]);
  });

  it('Australia/Lord_Howe (01:30–02:00 repeats on 5 Apr 2026): every-hour patterns keep their cadence', () => {
    expect(
      firesBetween('*/15 * * * *', 'Australia/Lord_Howe', '2026-04-04T14:20Z', '2026-04-04T15:30Z'),
    ).toEqual([
      '2026-04-04T14:30Z = 2026-04-05 01:30:00 (+11:00)',
      '2026-04-04T14:45Z = 2026-04-05 01:45:00 (+11:00)',
      '2026-04-04T15:00Z = 2026-04-05 01:30:00 (+10:30)',
      '2026-04-04T15:15Z = 2026-04-05 01:45:00 (+10:30)',
      '2026-04-04T15:30Z = 2026-04-05 02:00:00 (+10:30)',
    ]);
    expect(
      firesBetween('45 1 * * *', 'Australia/Lord_Howe', '2026-04-04T00:00Z', '2026-04-05T12:00Z'),
    ).toEqual(['2026-04-04T14:45Z = 2026-04-05 01:45:00 (+11:00)']);
  });
});

describe('hourly jobs run once per real hour across both transitions', () => {
  it.each([
    ['0 * * * *', 'Europe/Berlin', '2026-03-28T18:00Z'],
    ['30 * * * *', 'Europe/Berlin', '2026-03-28T18:00Z'],
    ['0 * * * *', 'Europe/Berlin', '2026-10-24T18:00Z'],
    ['30 * * * *', 'Europe/Berlin', '2026-10-24T18:00Z'],
    ['0 * * * *', 'America/New_York', '2026-03-07T23:00Z'],
    ['30 * * * *', 'America/New_York', '2026-03-07T23:00Z'],
    ['0 * * * *', 'America/New_York', '2026-10-31T23:00Z'],
    ['30 * * * *', 'America/New_York', '2026-10-31T23:00Z'],
    ['15 */1 * * *', 'America/New_York', '2026-10-31T23:00Z'],
    ['0 0-23 * * *', 'Europe/Berlin', '2026-10-24T18:00Z'],
  ])('%s in %s from %s', (cron, zone, from) => {
    expectHourly(cron, zone, from, 24);
  });

  it('the repeated hour runs twice for an hourly job, at both real instants', () => {
    expect(firesBetween('0 * * * *', 'Europe/Berlin', '2026-10-24T23:30Z', '2026-10-25T02:00Z')).toEqual([
      '2026-10-25T00:00Z = 2026-10-25 02:00:00 (+02:00)',
      '2026-10-25T01:00Z = 2026-10-25 02:00:00 (+01:00)',
      '2026-10-25T02:00Z = 2026-10-25 03:00:00 (+01:00)',
    ]);
  });
});

describe('month ends and leap years', () => {
  it('day 31 runs only in months that have it; day 30 skips February', () => {
    expect(
      firesBetween('0 0 31 * *', 'UTC', '2026-01-01T00:00Z', '2026-09-01T00:00Z').map((s) => s.slice(0, 10)),
    ).toEqual(['2026-01-31', '2026-03-31', '2026-05-31', '2026-07-31', '2026-08-31']);
    expect(
      firesBetween('0 0 30 * *', 'UTC', '2026-01-01T00:00Z', '2026-04-01T00:00Z').map((s) => s.slice(0, 10)),
    ).toEqual(['2026-01-30', '2026-03-30']);
  });

  it('Feb 29 runs only in leap years, skipping 2100', () => {
    expect(
      firesBetween('0 12 29 2 *', 'UTC', '2024-01-01T00:00Z', '2033-01-01T00:00Z').map((s) => s.slice(0, 10)),
    ).toEqual(['2024-02-29', '2028-02-29', '2032-02-29']);
    expect(
      firesBetween('0 12 29 2 *', 'UTC', '2097-01-01T00:00Z', '2105-01-01T00:00Z').map((s) => s.slice(0, 10)),
    ).toEqual(['2104-02-29']);
  });

  it('L in February is the 28th or the 29th, in the job timezone', () => {
    expect(firesBetween('0 0 L 2 *', 'Europe/Berlin', '2027-01-01T00:00Z', '2029-01-01T00:00Z')).toEqual([
      '2027-02-27T23:00Z = 2027-02-28 00:00:00 (+01:00)',
      '2028-02-28T23:00Z = 2028-02-29 00:00:00 (+01:00)',
    ]);
    expect(firesBetween('30 23 L 2 *', 'Pacific/Apia', '2100-01-01T00:00Z', '2100-12-31T00:00Z')).toEqual([
      '2100-02-28T10:30Z = 2100-02-28 23:30:00 (+13:00)',
    ]);
  });

  it('Pacific/Apia skipped 30 December 2011: a daily job runs once a real day, a job on the 30th waits', () => {
    expect(firesBetween('0 12 * * *', 'Pacific/Apia', '2011-12-28T12:00Z', '2011-12-31T12:00Z')).toEqual([
      '2011-12-28T22:00Z = 2011-12-28 12:00:00 (-10:00)',
      '2011-12-29T22:00Z = 2011-12-29 12:00:00 (-10:00)',
      '2011-12-30T22:00Z = 2011-12-31 12:00:00 (+14:00)',
    ]);
    // 30 Dec 12:00 never existed: the gap rule moves it by the gap (24 h), onto 31 Dec 12:00.
    expect(firesBetween('0 12 30 * *', 'Pacific/Apia', '2011-12-01T00:00Z', '2012-01-31T00:00Z')).toEqual([
      '2011-12-30T22:00Z = 2011-12-31 12:00:00 (+14:00)',
      '2012-01-29T22:00Z = 2012-01-30 12:00:00 (+14:00)',
    ]);
  });
});
