/** Schedules in every form `schedule` takes (cron, { cron, timezone }, every, at), from well-formed to hostile. */
import fc from 'fast-check';
import { anyValue, maybe } from './values.js';

const cronToken = fc.oneof(
  fc.constantFrom(
    '*',
    '?',
    'L',
    'W',
    '5W',
    'LW',
    '1#2',
    '5L',
    'MON',
    'jan-mar',
    'SUN-SAT',
    '*/0',
    '-1',
    '60',
  ),
  fc.integer({ min: 0, max: 70 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 65 }), fc.integer({ min: 0, max: 65 })).map(([a, b]) => `${a}-${b}`),
  fc
    .tuple(fc.constantFrom('*', '0', '1-30', '5'), fc.integer({ min: 0, max: 100 }))
    .map(([a, s]) => `${a}/${s}`),
  fc.array(fc.integer({ min: 0, max: 61 }), { minLength: 2, maxLength: 6 }).map((l) => l.join(',')),
  fc.string({ maxLength: 4 }),
);

/** Cron expressions: mostly 5 or 6 plausible fields, some aliases, some with the wrong field count. */
export function cronExpression(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.array(cronToken, { minLength: 5, maxLength: 6 }).map((f) => f.join(' ')) },
    { weight: 1, arbitrary: fc.array(cronToken, { minLength: 0, maxLength: 8 }).map((f) => f.join(' ')) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '@daily',
        '@HOURLY',
        '@weekly',
        '@yearly',
        '@reboot',
        '@nope',
        '0 0 30 2 *',
        '0 0 31 4,6,9,11 *',
        '0 0 29 2 *',
        '0 0 L 2 *',
        '* * * * * * *',
        '0 0 1 1 * 2099',
      ),
    },
  );
}

/** IANA names, near misses and junk. */
export function timezone(): fc.Arbitrary<unknown> {
  return maybe(
    fc.constantFrom(
      'UTC',
      'Europe/Berlin',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
      'Pacific/Apia',
      'Etc/GMT+12',
      'europe/berlin',
      'Mars/Olympus',
      '+05:00',
      'Local',
    ),
  );
}

/** Dates, ISO strings, and strings that look like dates but are not. */
export const dateLike = fc.oneof(
  fc.date({
    min: new Date('1970-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  }),
  fc
    .date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2040-01-01T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
  fc.constantFrom('2026-02-30T00:00:00Z', 'tomorrow', '2026-01-01', '+275760-09-13T00:00:00.000Z', '0'),
);

/** Every form of `schedule`, each sometimes broken. */
export function scheduleInput(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: cronExpression() },
    {
      weight: 2,
      arbitrary: fc.record(
        { cron: maybe(cronExpression()), timezone: timezone() },
        { requiredKeys: ['cron'] },
      ),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        every: maybe(
          fc.oneof(
            fc.integer({ min: -10, max: 10 ** 12 }),
            fc.double(),
            fc.constantFrom(
              '90s',
              '15m',
              '2h',
              '1d',
              '500ms',
              '0.5s',
              '1.5m',
              '3650d',
              '3651d',
              '1w',
              ' 5 m ',
              '-5m',
            ),
          ),
        ),
      }),
    },
    { weight: 2, arbitrary: fc.record({ at: maybe(dateLike) }) },
    { weight: 1, arbitrary: fc.record({ cron: cronExpression(), every: fc.constant('1m') }) },
    { weight: 1, arbitrary: anyValue() },
  );
}

/** Schedules `addJob` accepts, in each form. */
export const validSchedule = fc.oneof(
  fc.constantFrom(
    '*/5 * * * *',
    '0 3 * * *',
    '0 0 1 * *',
    '*/10 * * * * *',
    '@daily',
    '0 9 * * MON-FRI',
    '0 0 L * *',
  ),
  fc.record({
    cron: fc.constantFrom('0 3 * * *', '30 2 * * 0', '0 0 29 2 *'),
    timezone: fc.constantFrom(
      'UTC',
      'Europe/Berlin',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
      'Pacific/Apia',
    ),
  }),
  fc.record({
    every: fc.oneof(fc.integer({ min: 1000, max: 10 ** 9 }), fc.constantFrom('90s', '15m', '2h', '1d')),
  }),
  fc.record({
    at: fc.date({
      min: new Date('2026-01-02T00:00:00Z'),
      max: new Date('2030-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
  }),
);
