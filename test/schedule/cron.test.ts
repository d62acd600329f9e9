import { describe, expect, it } from 'vitest';
import { COMPILED_LIMIT, cachedCount, compileCron } from '../../src/schedule/cron.js';
import { normalizeSchedule } from '../../src/schedule/normalize.js';
import { internedCount, nextOccurrence } from '../../src/schedule/schedule.js';
import { fires, opts, rejection } from '../helpers/schedule.js';

// Cron schedules: the syntax cronhook accepts and what it means, the compiled expressions it keeps, and the
// errors an expression it refuses gets. The DST rules are in schedule-dst.test.ts.

const cron = (expression: string, timezone = 'UTC') =>
  normalizeSchedule({ cron: expression, timezone }, opts());

describe('cron schedules', () => {
  it('reads 5-field expressions minute first and 6-field expressions second first', () => {
    expect(fires(cron('*/20 * * * *'), '2026-01-01T10:05:00Z', 3)).toEqual([
      '2026-01-01T10:20:00.000Z',
      '2026-01-01T10:40:00.000Z',
      '2026-01-01T11:00:00.000Z',
    ]);
    expect(fires(cron('*/20 * * * * *'), '2026-01-01T10:05:00Z', 3)).toEqual([
      '2026-01-01T10:05:20.000Z',
      '2026-01-01T10:05:40.000Z',
      '2026-01-01T10:06:00.000Z',
    ]);
  });

  it('supports ranges, steps, lists, and month and weekday names', () => {
    // 09:00 and 17:30 on weekdays in January and July only.
    const s = cron('0,30 9-17/8 * jan,JUL mon-fri');
    expect(fires(s, '2026-01-30T12:00:00Z', 4)).toEqual([
      '2026-01-30T17:00:00.000Z',
      '2026-01-30T17:30:00.000Z',
      '2026-07-01T09:00:00.000Z',
      '2026-07-01T09:30:00.000Z',
    ]);
  });

  it('runs when either day field matches if both are restricted (POSIX), and 7 is Sunday', () => {
    // The 13th, or any Sunday: 2026-02-01 is a Sunday, 2026-02-13 a Friday.
    expect(fires(cron('0 0 13 * 7'), '2026-01-31T00:00:00Z', 3)).toEqual([
      '2026-02-01T00:00:00.000Z',
      '2026-02-08T00:00:00.000Z',
      '2026-02-13T00:00:00.000Z',
    ]);
  });

  it('accepts overlapping list items (cron-parser alone rejects them)', () => {
    expect(
      fires(cron('0-10/5,5-15/5 0 * * *'), '2026-01-01T00:00:00Z', 4).map((t) => t.slice(11, 16)),
    ).toEqual(['00:05', '00:10', '00:15', '00:00']);
    expect(fires(cron('0 0 * * 0,7'), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-04T00:00:00.000Z',
      '2026-01-11T00:00:00.000Z',
    ]);
  });

  it('supports L (last day of month), nL (last weekday n) and n#k (k-th weekday n)', () => {
    expect(fires(cron('0 0 L * *'), '2026-01-15T00:00:00Z', 4)).toEqual([
      '2026-01-31T00:00:00.000Z',
      '2026-02-28T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
      '2026-04-30T00:00:00.000Z',
    ]);
    expect(fires(cron('0 9 * * 5L'), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-30T09:00:00.000Z',
      '2026-02-27T09:00:00.000Z',
    ]);
    expect(fires(cron('0 9 * * 1#1'), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-05T09:00:00.000Z',
      '2026-02-02T09:00:00.000Z',
    ]);
  });

  it('supports the @ aliases, case-insensitively, in the job timezone', () => {
    const from = '2026-01-07T12:00:00Z';
    expect(fires(cron('@hourly'), from, 1)).toEqual(['2026-01-07T13:00:00.000Z']);
    expect(fires(cron('@daily', 'Europe/Berlin'), from, 1)).toEqual(['2026-01-07T23:00:00.000Z']);
    expect(fires(cron('@weekly'), from, 1)).toEqual(['2026-01-11T00:00:00.000Z']);
    expect(fires(cron('@monthly'), from, 1)).toEqual(['2026-02-01T00:00:00.000Z']);
    expect(fires(cron('@yearly'), from, 1)).toEqual(['2027-01-01T00:00:00.000Z']);
    expect(fires(cron('@Annually'), from, 1)).toEqual(['2027-01-01T00:00:00.000Z']);
    expect(cron(' @DAILY ').kind === 'cron' && cron(' @DAILY ')).toMatchObject({ cron: '@daily' });
  });

  it('reads a cron string in the default timezone and { cron, timezone } in its own', () => {
    const berlin = normalizeSchedule('0 9 * * *', opts({ timezone: 'Europe/Berlin' }));
    expect(berlin).toEqual({ kind: 'cron', cron: '0 9 * * *', timezone: 'Europe/Berlin' });
    expect(fires(berlin, '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-01T08:00:00.000Z']);
    const kathmandu = normalizeSchedule(
      { cron: '0 9 * * *', timezone: 'Asia/Kathmandu' },
      opts({ timezone: 'Europe/Berlin' }),
    );
    expect(fires(kathmandu, '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-01T03:15:00.000Z']);
  });

  it('stores the expression with whitespace collapsed', () => {
    expect(normalizeSchedule('  0   9 * *\t*  ', opts())).toEqual({
      kind: 'cron',
      cron: '0 9 * * *',
      timezone: 'UTC',
    });
  });

  it('never returns the instant it was asked after, even mid-second', () => {
    const s = cron('* * * * * *');
    expect(nextOccurrence(s, Date.parse('2026-01-01T00:00:05.000Z'))).toBe(
      Date.parse('2026-01-01T00:00:06Z'),
    );
    expect(nextOccurrence(s, Date.parse('2026-01-01T00:00:05.400Z'))).toBe(
      Date.parse('2026-01-01T00:00:06Z'),
    );
  });

  it('interns one compiled expression per (expression, timezone), however many jobs use it', () => {
    const a = compileCron('17 4 * * *', 'Pacific/Apia');
    expect(compileCron('17 4 * * *', 'Pacific/Apia')).toBe(a);
    expect(compileCron('17 4 * * *', 'UTC')).not.toBe(a);
    const before = internedCount();
    for (let i = 0; i < 100_000; i++) {
      normalizeSchedule({ cron: '43 21 * * 1-5', timezone: 'America/New_York' }, opts({ jobId: `job-${i}` }));
    }
    expect(internedCount() - before).toBe(1);
  });

  it('keeps at most COMPILED_LIMIT compiled expressions: one-off expressions do not grow memory forever', () => {
    const first = compileCron('1 2 3 4 *', 'Asia/Kathmandu');
    // Distinct one-off expressions (minute, hour, day, month), as an app scheduling reminders would make.
    for (let i = 0; i <= COMPILED_LIMIT; i++) {
      compileCron(
        `${i % 60} ${Math.floor(i / 60) % 24} ${(Math.floor(i / 1440) % 28) + 1} * *`,
        'Europe/Berlin',
      );
      expect(cachedCount()).toBeLessThanOrEqual(COMPILED_LIMIT);
    }
    const before = internedCount();
    const again = compileCron('1 2 3 4 *', 'Asia/Kathmandu');
    expect(again).not.toBe(first);
    expect(internedCount() - before).toBe(1);
    const after = Date.parse('2027-01-01T00:00:00Z');
    expect(again.next(after)).toBe(first.next(after));
    expect(new Date(again.next(after)!).toISOString()).toBe('2027-04-02T20:16:00.000Z');
  });
});

describe('invalid cron schedules', () => {
  it.each([
    ['61 * * * *', 'minute field "61"', 'allowed 0-59'],
    ['* 24 * * *', 'hour field "24"', 'allowed 0-23'],
    ['0 0 32 * *', 'day of month field "32"', 'allowed 1-31 or L'],
    ['0 0 * 13 *', 'month field "13"', 'allowed 1-12 or JAN-DEC'],
    ['0 0 * * 8', 'day of week field "8"', 'allowed 0-7'],
    ['0 0 * * funday', 'day of week field "funday"', 'cannot resolve alias'],
    ['60 0 0 * * *', 'second field "60"', 'allowed 0-59'],
    ['*/0 * * * *', 'minute field "*/0"', 'every 0'],
    ['5-1 * * * *', 'minute field "5-1"', 'Invalid range'],
    ['* * * *', 'has 4 fields', 'expected 5 (minute first), 6 (second first)'],
    ['* * * * * * *', 'has 7 fields', 'expected 5'],
    ['', 'has 0 fields', 'expected 5'],
    ['0 0 30 2 *', 'together they match no date', ''],
    ['H * * * *', 'hashed values (H) in the minute field are not supported', 'use jitterMs'],
    ['@reboot', 'is invalid', 'the aliases are @yearly'],
  ])('%j names the job, the field and what is allowed', (expression, part, allowed) => {
    const error = rejection(expression);
    expect(error.code).toBe('ERR_INVALID_SCHEDULE');
    expect(error.field).toBe('schedule');
    expect(error.message).toContain('Job "job-1": schedule ');
    expect(error.message).toContain(part);
    expect(error.message).toContain(allowed);
  });

  it.each([
    ['H * * * *', 'hashed values (H) in the minute field are not supported'],
    ['0 H(0-5) * * *', 'hashed values (H) in the hour field are not supported'],
    ['0 0 * * TUEH', 'hashed values (H) in the day of week field are not supported'],
    ['0 0 15W * *', 'W (nearest weekday) in the day of month field is not supported'],
    ['0 0 LW * *', 'W (nearest weekday) in the day of month field is not supported'],
    ['0 0 L-3 * *', 'L-n (days before the last day) in the day of month field is not supported'],
    ['0 0 * * 5#2,5#3', '# combined with a list, range or step in the day of week field is not supported'],
    ['0 0 * * 1-5#2', '# combined with a list, range or step in the day of week field is not supported'],
    ['0 0 1 1 * 2027', 'a year field is not supported'],
    ['0 0 0 1 1 * 2027', 'a year field is not supported'],
    ['@reboot', '@reboot (at start-up) is not supported'],
    ['@every_5m', 'unknown alias "@every_5m"'],
  ])('%j: unsupported syntax gets an error naming it', (expression, named) => {
    const error = rejection(expression);
    expect(error).toMatchObject({ code: 'ERR_INVALID_SCHEDULE', field: 'schedule' });
    expect(error.message).toContain(named);
    expect(error.message).not.toMatch(/together they match no date|Invalid characters|cannot resolve alias/);
  });

  it('names schedule.cron for { cron } and rejects a non-string cron', () => {
    const error = rejection({ cron: '0 0 * * 9' });
    expect(error.field).toBe('schedule.cron');
    expect(error.message).toMatch(/^Job "job-1": schedule\.cron "0 0 \* \* 9" is invalid: day of week field/);
    expect(rejection({ cron: 5 })).toMatchObject({ field: 'schedule.cron', code: 'ERR_INVALID_SCHEDULE' });
  });

  it('rejects an unknown timezone, naming schedule.timezone or the default timezone', () => {
    const own = rejection({ cron: '0 0 * * *', timezone: 'Mars/Olympus_Mons' });
    expect(own.field).toBe('schedule.timezone');
    expect(own.message).toContain('"Mars/Olympus_Mons"; expected an IANA timezone');
    const fallback = rejection('0 0 * * *', { timezone: 'Nowhere/City' });
    expect(fallback.field).toBe('timezone');
    expect(rejection({ cron: '0 0 * * *', timezone: 42 }).field).toBe('schedule.timezone');
  });

  it('rejects over-long expressions without parsing them', () => {
    const error = rejection(`${'1,'.repeat(5000)}1 * * * *`);
    expect(error.message).toContain('characters long; the maximum is 1024');
  });

  it('rejects schedules of the wrong shape', () => {
    for (const input of [null, 42, true, [], {}, { cron: '* * * * *', every: '1m' }]) {
      expect(rejection(input)).toMatchObject({ code: 'ERR_INVALID_SCHEDULE', field: 'schedule' });
    }
  });
});
