import type { CronExpression } from 'cron-parser';

/**
 * What a cron expression matches, as lookup tables: the shape {@link WallMatcher} searches. Built either by
 * {@link fastCronSpec} (plain numeric fields, parsed here in microseconds) or from cron-parser's fields
 * ({@link cronSpecFrom}) for everything else; both give the same tables for the same expression (a property
 * test checks it).
 */
export interface CronSpec {
  /** `second[s]` is 1 when second s matches; likewise minute (0–59), hour (0–23), month (1–12). */
  second: Uint8Array;
  minute: Uint8Array;
  hour: Uint8Array;
  month: Uint8Array;
  /** Days of the month 1–31. */
  dayOfMonth: Uint8Array;
  /** `L` in the day-of-month field: the month's last day matches. */
  lastDayOfMonth: boolean;
  /** Weekdays 0–6 (Sunday 0). */
  dayOfWeek: Uint8Array;
  /** `nL` (and, with it, the plain weekdays): that weekday matches in the month's last seven days. */
  lastWeekday: Uint8Array | null;
  /** `n#k`: a weekday matches only in the k-th week of the month (days 7k−6 … 7k); 0 when unused. */
  nthDay: number;
  /** The field is exactly `*` or `?`: POSIX combines day-of-month and day-of-week with OR only when neither is. */
  dayOfMonthWildcard: boolean;
  dayOfWeekWildcard: boolean;
}

/** cron-parser's aliases, as it expands them (six fields, seconds first). */
const ALIASES: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
  '@minutely': '0 * * * * *',
  '@secondly': '* * * * * *',
  '@weekdays': '0 0 0 * * 1-5',
  '@weekends': '0 0 0 * * 0,6',
};

const MONTH_NAMES: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const DAY_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

/** cron-parser refuses a field once it has gathered more values than this (duplicates included). */
const MAX_FIELD_VALUES = 256;
const DIGITS = /^\d+$/;
const PLAIN = /^[\d*?,/-]+$/;
const NAME = /[a-z]{3}/gi;

type FieldKind = 'second' | 'minute' | 'hour' | 'dayOfMonth' | 'month' | 'dayOfWeek';

const BOUNDS: Record<FieldKind, [number, number]> = {
  second: [0, 59],
  minute: [0, 59],
  hour: [0, 23],
  dayOfMonth: [1, 31],
  month: [1, 12],
  dayOfWeek: [0, 7],
};

/**
 * The values of one field made only of numbers, names, `*`, `?`, ranges, steps and lists, exactly as
 * cron-parser reads them (a step runs from the range start; `a/n` means a to the field's max; weekday 7 is
 * Sunday; items that overlap are merged). Null for anything else, or anything cron-parser would refuse: the
 * caller then asks cron-parser, which also words the error.
 */
function plainField(raw: string, kind: FieldKind): Uint8Array | null {
  let text = raw;
  if (kind === 'month' || kind === 'dayOfWeek') {
    if (raw.includes('#')) return null;
    const names = kind === 'month' ? MONTH_NAMES : DAY_NAMES;
    let unknown = false;
    text = raw.replace(NAME, (name) => {
      const value = names[name.toLowerCase()];
      if (value === undefined) unknown = true;
      return String(value);
    });
    if (unknown) return null;
  }
  if (!PLAIN.test(text)) return null;
  const [min, max] = BOUNDS[kind];
  const out = new Uint8Array(max + 1);
  let gathered = 0;
  for (const item of text.split(',')) {
    if (gathered > MAX_FIELD_VALUES) return null;
    const slash = item.indexOf('/');
    const base = slash < 0 ? item : item.slice(0, slash);
    let step = 1;
    if (slash >= 0) {
      const stepText = item.slice(slash + 1);
      if (!DIGITS.test(stepText)) return null;
      step = Number(stepText);
      if (step <= 0) return null;
    }
    let lo: number;
    let hi: number;
    if (base === '*' || base === '?') {
      lo = min;
      hi = max;
    } else {
      const dash = base.indexOf('-');
      const loText = dash < 0 ? base : base.slice(0, dash);
      if (!DIGITS.test(loText)) return null;
      lo = Number(loText);
      if (dash >= 0) {
        const hiText = base.slice(dash + 1);
        if (!DIGITS.test(hiText)) return null;
        hi = Number(hiText);
      } else {
        hi = slash < 0 ? lo : max;
      }
      if (lo < min || hi > max || lo > hi) return null;
    }
    for (let v = lo; v <= hi; v += step) {
      out[v] = 1;
      gathered++;
    }
    // A range reaching weekday 7 also holds 0: both are Sunday.
    if (kind === 'dayOfWeek' && (hi - lo) % step === 0 && hi === 7) gathered++;
  }
  if (kind !== 'dayOfWeek') return out;
  if (out[7] === 1) out[0] = 1;
  return out.subarray(0, 7);
}

const MAX_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * With a single month, cron-parser drops the days that month never has (unless none would be left): no
 * change to what matches, but the tables then compare equal.
 */
function dropImpossibleDays(dayOfMonth: Uint8Array, month: Uint8Array): void {
  const only = month.indexOf(1);
  if (only < 0 || month.indexOf(1, only + 1) >= 0) return;
  if (dayOfMonth.subarray(1, MAX_DAYS[only]! + 1).includes(1)) dayOfMonth.fill(0, MAX_DAYS[only]! + 1);
}

/**
 * The spec of a cron expression of plain fields (see {@link plainField}), or null when any field needs
 * cron-parser. `cron` is normalized: single spaces, aliases lower-case.
 */
export function fastCronSpec(cron: string): CronSpec | null {
  const expanded = cron.startsWith('@') ? ALIASES[cron] : cron;
  if (expanded === undefined) return null;
  const parts = expanded.split(' ');
  if (parts.length === 5) parts.unshift('0');
  else if (parts.length !== 6) return null;
  const second = plainField(parts[0]!, 'second');
  const minute = plainField(parts[1]!, 'minute');
  const hour = plainField(parts[2]!, 'hour');
  const dayOfMonth = plainField(parts[3]!, 'dayOfMonth');
  const month = plainField(parts[4]!, 'month');
  const dayOfWeek = plainField(parts[5]!, 'dayOfWeek');
  if (!second || !minute || !hour || !dayOfMonth || !month || !dayOfWeek) return null;
  dropImpossibleDays(dayOfMonth, month);
  return {
    second,
    minute,
    hour,
    month,
    dayOfMonth,
    lastDayOfMonth: false,
    dayOfWeek,
    lastWeekday: null,
    nthDay: 0,
    dayOfMonthWildcard: parts[3] === '*' || parts[3] === '?',
    dayOfWeekWildcard: parts[5] === '*' || parts[5] === '?',
  };
}

function table(size: number, values: readonly (number | string)[]): Uint8Array {
  const out = new Uint8Array(size);
  for (const value of values) if (typeof value === 'number') out[value] = 1;
  return out;
}

/** The spec of an expression cron-parser has parsed (in UTC), matching as its own iteration does. */
export function cronSpecFrom(expression: CronExpression): CronSpec {
  const { fields } = expression;
  const weekdays = fields.dayOfWeek.values as readonly (number | string)[];
  const dayOfWeek = table(8, weekdays);
  if (dayOfWeek[7] === 1) dayOfWeek[0] = 1;
  let lastWeekday: Uint8Array | null = null;
  if (fields.dayOfWeek.hasLastChar) {
    // cron-parser tests "last <weekday> of the month" against the first digit of every value, plain ones too.
    lastWeekday = new Uint8Array(7);
    for (const value of weekdays) lastWeekday[Number.parseInt(String(value).charAt(0), 10) % 7] = 1;
  }
  return {
    second: table(60, fields.second.values),
    minute: table(60, fields.minute.values),
    hour: table(24, fields.hour.values),
    month: table(13, fields.month.values),
    dayOfMonth: table(32, fields.dayOfMonth.values as readonly (number | string)[]),
    lastDayOfMonth: fields.dayOfMonth.hasLastChar,
    dayOfWeek: dayOfWeek.subarray(0, 7),
    lastWeekday,
    nthDay: fields.dayOfWeek.nthDay,
    dayOfMonthWildcard: fields.dayOfMonth.isWildcard,
    dayOfWeekWildcard: fields.dayOfWeek.isWildcard,
  };
}
