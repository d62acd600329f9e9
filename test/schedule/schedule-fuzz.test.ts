import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../src/errors.js';
import { normalizeSchedule } from '../../src/schedule/normalize.js';
import { internedCount, nextOccurrence } from '../../src/schedule/schedule.js';
import type { ScheduleInput } from '../../src/schedule/types.js';

// Hostile schedule input: every value either normalizes to a schedule whose next occurrence can be
// computed quickly, or throws CronhookError ERR_INVALID_SCHEDULE naming a schedule field. Nothing else
// escapes, nothing hangs, and a rejected input leaves nothing interned.

const NOW = Date.parse('2026-03-29T00:30:00Z');
const SLOW_MS = 1000;

const cronChars = fc.constantFrom(
  ...'0123456789*/-,LW#?H@ \t',
  ...['jan', 'feb', 'mon', 'sun', 'thu', 'daily', 'hourly', 'reboot', '7', '59', '60', '31', '99999999999'],
);
// Near-valid fields: right shape, values sometimes out of range, every special form cron-parser knows.
const small = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 7 }), weight: 6 },
  { arbitrary: fc.integer({ min: 0, max: 70 }), weight: 1 },
);
const nearField = fc.oneof(
  {
    arbitrary: fc.constantFrom('*', '?', 'L', 'mon-fri', 'jan,dec', '5L', '1#2', '6#5', '0#1', '*/0'),
    weight: 1,
  },
  { arbitrary: fc.constant('*'), weight: 3 },
  { arbitrary: small.map(String), weight: 2 },
  fc.tuple(small, small).map(([a, b]) => `${a}-${b}`),
  fc.tuple(small, small).map(([a, n]) => `${a}/${n}`),
  fc.tuple(small, small, small).map(([a, b, n]) => `${a}-${b}/${n},${a}`),
);
const nearValid = fc.array(nearField, { minLength: 5, maxLength: 6 }).map((fields) => fields.join(' '));
const cronish = fc.oneof(
  nearValid,
  nearValid,
  // Token soup shaped like 5 or 6 fields.
  fc
    .array(
      fc.array(cronChars, { minLength: 1, maxLength: 6 }).map((t) => t.join('')),
      { minLength: 1, maxLength: 7 },
    )
    .map((fields) => fields.join(' ')),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '@daily',
    '@yearly',
    '@every 5m',
    '* * * * * * *',
    '0 0 31 2 *',
    'L L L L L',
    '*/1000 * * * *',
  ),
);
const zone = fc.oneof(
  fc.constantFrom('UTC', 'Europe/Berlin', 'Australia/Lord_Howe', 'Pacific/Apia', 'Asia/Kathmandu', 'utc'),
  fc.constantFrom('Mars/Base', '', 'Europe/', '+05:30', 'EST5EDT', 'Etc/GMT+14', '../../etc/passwd'),
  fc.string({ maxLength: 20 }),
  fc.anything(),
);
const schedules: fc.Arbitrary<unknown> = fc.oneof(
  cronish,
  fc.record({ cron: cronish, timezone: zone }, { requiredKeys: ['cron'] }),
  fc.record({ cron: fc.anything(), timezone: zone }, { requiredKeys: [] }),
  fc.record({
    every: fc.oneof(fc.anything(), fc.double(), fc.integer(), fc.string({ maxLength: 12 }), cronish),
  }),
  fc.record({
    at: fc.oneof(
      fc.anything(),
      fc.date({ noInvalidDate: false }),
      fc.string({ maxLength: 30 }),
      fc.integer(),
    ),
  }),
  fc.record({ cron: cronish, every: fc.anything(), at: fc.anything() }, { requiredKeys: [] }),
  fc.anything({
    withBoxedValues: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withBigInt: true,
  }),
);

function checkOne(input: unknown, defaultZone: string, allowPastAt: boolean): void {
  const interned = internedCount();
  const started = performance.now();
  let accepted = true;
  try {
    const schedule = normalizeSchedule(input as ScheduleInput, {
      jobId: 'fuzz',
      timezone: defaultZone,
      now: NOW,
      allowPastAt,
    });
    const next = nextOccurrence(schedule, NOW);
    expect(next === null || (Number.isFinite(next) && next > NOW)).toBe(true);
    if (schedule.kind === 'cron') expect(next).not.toBeNull();
  } catch (error) {
    accepted = false;
    if (!(error instanceof CronhookError)) throw error;
    expect(error.code).toBe('ERR_INVALID_SCHEDULE');
    expect(error.field).toMatch(/^(schedule(\.(cron|every|at|timezone))?|timezone)$/);
    expect(error.message.startsWith('Job "fuzz": ')).toBe(true);
    expect(error.message.length).toBeLessThan(600);
  }
  if (!accepted) expect(internedCount()).toBe(interned);
  expect(performance.now() - started).toBeLessThan(SLOW_MS);
}

describe('normalizeSchedule under hostile input', () => {
  it('returns a usable schedule or throws ERR_INVALID_SCHEDULE (fixed seed)', () => {
    fc.assert(fc.property(schedules, fc.constantFrom('UTC', 'Europe/Berlin'), fc.boolean(), checkOne), {
      seed: 8_2026,
      numRuns: 3000,
    });
  });

  it('returns a usable schedule or throws ERR_INVALID_SCHEDULE (random seed)', () => {
    fc.assert(fc.property(schedules, fc.constantFrom('UTC', 'Pacific/Apia'), fc.boolean(), checkOne), {
      numRuns: 1000,
    });
  });

  it('handles near-valid cron strings: out-of-range values, L, #, ?, reversed ranges, zero steps', () => {
    fc.assert(
      fc.property(nearValid, fc.constantFrom('UTC', 'Australia/Lord_Howe', 'America/New_York'), (cron, tz) =>
        checkOne({ cron, timezone: tz }, 'UTC', false),
      ),
      { seed: 29_2026, numRuns: 2000 },
    );
  });

  it('rejects a bad default timezone the same way', () => {
    fc.assert(
      fc.property(cronish, zone, (cron, tz) => checkOne(cron, tz as string, false)),
      {
        seed: 3_2026,
        numRuns: 500,
      },
    );
  });
});
