import { CronExpressionParser } from 'cron-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCron, parseWallClock } from '../../src/schedule/cron.js';
import { type CronSpec, cronSpecFrom, fastCronSpec } from '../../src/schedule/cron-spec.js';
import { WallMatcher } from '../../src/schedule/wall-matcher.js';

// cronhook reads plain cron fields itself and searches occurrences itself, with cron-parser as the reference
// for the syntax and its meaning. These properties hold the fast path to cron-parser: the same expressions
// accepted, the same tables, the same occurrences, the same refusals.

const small = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 12 }), weight: 6 },
  { arbitrary: fc.integer({ min: 0, max: 70 }), weight: 3 },
  { arbitrary: fc.constantFrom(99, 1000, 99999999999), weight: 1 },
);
const numText = fc.oneof(
  { arbitrary: small.map(String), weight: 8 },
  { arbitrary: small.map((n) => `0${n}`), weight: 1 },
);
const item = fc.oneof(
  { arbitrary: fc.constantFrom('*', '?'), weight: 2 },
  { arbitrary: numText, weight: 4 },
  { arbitrary: fc.tuple(numText, numText).map(([a, b]) => `${a}-${b}`), weight: 3 },
  { arbitrary: fc.tuple(fc.constantFrom('*', '?'), numText).map(([a, n]) => `${a}/${n}`), weight: 2 },
  { arbitrary: fc.tuple(numText, numText, numText).map(([a, b, n]) => `${a}-${b}/${n}`), weight: 2 },
  { arbitrary: fc.tuple(numText, numText).map(([a, n]) => `${a}/${n}`), weight: 2 },
  {
    arbitrary: fc.constantFrom('', '-5', '5-', '1-2-3', '1/2/3', '*/', '*-3', '5/*', 'x', '1.5', '+3', 'H'),
    weight: 1,
  },
);
const plainField = fc.oneof(
  { arbitrary: item, weight: 4 },
  { arbitrary: fc.array(item, { minLength: 2, maxLength: 4 }).map((items) => items.join(',')), weight: 2 },
  // Enough overlapping ranges for cron-parser's 256-value cap.
  { arbitrary: fc.integer({ min: 2, max: 7 }).map((n) => Array(n).fill('0-59').join(',')), weight: 1 },
);
const monthNames = fc.constantFrom(
  'jan',
  'FEB',
  'mar-jun',
  'oct,nov',
  'Dec',
  'jan-dec/3',
  'foo',
  'janu',
  'mon',
);
const dayNames = fc.constantFrom('sun', 'MON-fri', 'sat,sun', 'thu-sat', 'Wed', 'sunday', 'jan', 'fri/2');
const special = fc.constantFrom(
  'L',
  '15,L',
  '5L',
  '7L',
  '0L',
  '1,5L',
  '1#2',
  'mon#3',
  '0#5',
  '5#6',
  'L-2',
  'LW',
);
const fieldOf = (names?: fc.Arbitrary<string>) =>
  fc.oneof(
    { arbitrary: plainField, weight: 6 },
    { arbitrary: fc.constant('*'), weight: 4 },
    { arbitrary: special, weight: 1 },
    ...(names ? [{ arbitrary: names, weight: 2 }] : []),
  );
const expression = fc
  .oneof(
    {
      arbitrary: fc.tuple(fieldOf(), fieldOf(), fieldOf(), fieldOf(monthNames), fieldOf(dayNames)),
      weight: 3,
    },
    {
      arbitrary: fc.tuple(fieldOf(), fieldOf(), fieldOf(), fieldOf(), fieldOf(monthNames), fieldOf(dayNames)),
      weight: 2,
    },
    {
      arbitrary: fc
        .constantFrom('@daily', '@hourly', '@weekdays', '@weekends', '@yearly', '@reboot', '@every')
        .map((a) => [a]),
      weight: 1,
    },
  )
  .map((fields) => fields.join(' '));

function plain(spec: CronSpec): unknown {
  return {
    ...spec,
    second: [...spec.second],
    minute: [...spec.minute],
    hour: [...spec.hour],
    month: [...spec.month],
    dayOfMonth: [...spec.dayOfMonth],
    dayOfWeek: [...spec.dayOfWeek],
    lastWeekday: spec.lastWeekday && [...spec.lastWeekday],
  };
}

function reference(cron: string): CronSpec | 'refused' {
  try {
    return cronSpecFrom(parseWallClock(cron));
  } catch {
    return 'refused';
  }
}

/** The next `count` occurrences after `from` by cron-parser itself (in UTC), stopping where it gives up. */
function cronParserTimes(cron: string, from: number, count: number): number[] {
  const expression = parseWallClock(cron);
  expression.reset(new Date(from));
  const out: number[] = [];
  try {
    for (let i = 0; i < count; i++) out.push(expression.next().getTime());
  } catch {
    // Loop limit: nothing within its reach.
  }
  return out;
}

describe('the cron fast path against cron-parser', () => {
  it('reads only what cron-parser accepts, into the same tables', () => {
    let fast = 0;
    fc.assert(
      fc.property(expression, (cron) => {
        const spec = fastCronSpec(cron);
        if (spec === null) return;
        fast++;
        const expected = reference(cron);
        expect(expected).not.toBe('refused');
        expect(plain(spec)).toEqual(plain(expected as CronSpec));
      }),
      { seed: 7_2026, numRuns: 4000 },
    );
    // The generator reaches the fast path often enough for the property to mean something.
    expect(fast).toBeGreaterThan(400);
  });

  it('takes the expressions people write without cron-parser', () => {
    for (const cron of [
      '30 2 * * *',
      '*/15 * * * *',
      '0 9-17 * * mon-fri',
      '0 0 1,15 * *',
      '0 0 * jan,jul *',
      '*/5 * * * * *',
      '0 0 * * 7',
      '0 12 * * 1-5/2',
      '@daily',
      '@weekends',
    ]) {
      expect(fastCronSpec(cron), cron).not.toBeNull();
    }
    for (const cron of [
      '0 0 L * *',
      '0 0 * * 5L',
      '0 0 * * 1#2',
      '0 0 * * sunday',
      '61 * * * *',
      '@reboot',
    ]) {
      expect(fastCronSpec(cron), cron).toBeNull();
    }
  });

  it('finds the occurrences cron-parser finds, L, nL and # included', () => {
    fc.assert(
      fc.property(
        expression,
        fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) }),
        (cron, from) => {
          const spec = reference(cron);
          // Hashed values (H) are random per parse, and refused before they get here.
          if (spec === 'refused' || /H/.test(cron)) return;
          const matcher = new WallMatcher(spec);
          const expected = cronParserTimes(cron, from, 6);
          const got: number[] = [];
          let cursor = from;
          for (let i = 0; i < expected.length; i++) {
            const next = matcher.nextAfter(cursor);
            if (next === null) break;
            got.push(next);
            cursor = next;
          }
          expect(got.map((t) => new Date(t).toISOString())).toEqual(
            expected.map((t) => new Date(t).toISOString()),
          );
        },
      ),
      { seed: 11_2026, numRuns: 1500 },
    );
  });

  it('refuses exactly the expressions it refused with cron-parser alone (errors included)', () => {
    fc.assert(
      fc.property(expression, (cron) => {
        let before: string | null = null;
        if (/h/i.test(cron.replace(/[a-z]{3}/gi, '')) && !cron.startsWith('@')) before = 'hashed';
        else {
          // The rule before the fast path: cron-parser parses it and finds an occurrence after 2000.
          let parsed: ReturnType<typeof parseWallClock> | undefined;
          try {
            parsed = parseWallClock(cron);
          } catch (error) {
            before = (error as Error).message;
          }
          if (parsed) {
            parsed.reset(new Date(Date.UTC(2000, 0, 1)));
            try {
              parsed.next();
            } catch {
              before = 'no occurrence found';
            }
          }
        }
        let now: string | null = null;
        try {
          compileCron(cron, 'UTC');
        } catch (error) {
          now = (error as Error).message;
        }
        if (before === null) expect(now).toBeNull();
        else if (before === 'hashed') expect(now).toMatch(/hashed values/);
        else expect(now).toBe(before);
      }),
      { seed: 13_2026, numRuns: 3000 },
    );
  });

  it('searches past the ends of months and years, leap days included', () => {
    const matcher = new WallMatcher(fastCronSpec('0 0 29 2 *')!);
    expect(new Date(matcher.nextAfter(Date.UTC(2097, 0, 1))!).toISOString()).toBe('2104-02-29T00:00:00.000Z');
    const last = new WallMatcher(cronSpecFrom(CronExpressionParser.parse('0 0 0 L * *', { tz: 'UTC' })));
    expect(new Date(last.nextAfter(Date.UTC(2100, 1, 1))!).toISOString()).toBe('2100-02-28T00:00:00.000Z');
    expect(new WallMatcher(fastCronSpec('0 0 30 2 *')!).nextAfter(Date.UTC(2000, 0, 1))).toBeNull();
  });
});
