import type { CronSpec } from './cron-spec.js';

const SECOND = 1000;
const DAY = 86_400_000;
/** Remembered (query, answer) pairs per matcher. */
const MEMO_SIZE = 4;
/**
 * How far a search looks before it concludes that nothing matches. Every satisfiable expression matches
 * within 28 years (a fifth given weekday in February needs a leap year starting on the right day); 400
 * years is a whole Gregorian cycle, so nothing is cut short.
 */
const SEARCH_YEARS = 400;
/** Past the last year a schedule supports (timezone.ts): the answer would be discarded anyway. */
const LAST_YEAR = 10_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (any year; Date.UTC reads years 0–99 as 19xx). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** `next[i]` is the first matching value ≥ i, or -1; one slot past the end so `next[max + 1]` is -1. */
function nextTable(matches: Uint8Array): Int8Array {
  const next = new Int8Array(matches.length + 1).fill(-1);
  for (let i = matches.length - 1; i >= 0; i--) next[i] = matches[i] === 1 ? i : next[i + 1]!;
  return next;
}

/**
 * The wall-clock side of a cron expression: finds matching wall-clock times, given as UTC ms (where no time
 * is missing or repeated; {@link CompiledCron} maps them to instants through the zone's offsets). Shared by
 * every timezone using the expression. It remembers its last few answers, so 100k jobs asking for the next
 * occurrence after the same instants cost a few searches.
 */
export class WallMatcher {
  readonly spec: CronSpec;
  /** The hour field matches all 24 hours. */
  readonly everyHour: boolean;
  readonly #second: Int8Array;
  readonly #minute: Int8Array;
  readonly #hour: Int8Array;
  // Each remembered pair says nothing matches in (query, answer], so it answers any query in [query, answer).
  // Jobs sharing a pattern ask about a handful of instants per claim (the occurrence, the one before it, now).
  readonly #queries = new Float64Array(MEMO_SIZE).fill(Number.NaN);
  readonly #answers = new Float64Array(MEMO_SIZE).fill(Number.NaN);
  #nextSlot = 0;

  constructor(spec: CronSpec) {
    this.spec = spec;
    this.everyHour = spec.hour.every((v) => v === 1);
    this.#second = nextTable(spec.second);
    this.#minute = nextTable(spec.minute);
    this.#hour = nextTable(spec.hour);
  }

  /** The first matching wall time strictly after `wallMs` (whole seconds, as UTC ms), or null when none. */
  nextAfter(wallMs: number): number | null {
    for (let i = 0; i < MEMO_SIZE; i++) {
      if (wallMs >= this.#queries[i]! && wallMs < this.#answers[i]!) return this.#answers[i]!;
    }
    const answer = this.#search(Math.floor(wallMs / SECOND) * SECOND + SECOND);
    if (answer !== null) {
      this.#queries[this.#nextSlot] = wallMs;
      this.#answers[this.#nextSlot] = answer;
      this.#nextSlot = (this.#nextSlot + 1) % MEMO_SIZE;
    }
    return answer;
  }

  /** True when day `day` of `month` (1-based) matches the day-of-month and day-of-week fields. */
  #dayMatches(year: number, month: number, day: number, monthDays: number): boolean {
    const spec = this.spec;
    const byMonthDay = spec.dayOfMonth[day] === 1 || (spec.lastDayOfMonth && day === monthDays);
    if (spec.dayOfWeekWildcard) return byMonthDay;
    if (!spec.dayOfMonthWildcard && byMonthDay) return true;
    const weekday = (((daysFromCivil(year, month, day) + 4) % 7) + 7) % 7;
    if (spec.dayOfWeek[weekday] === 1 && (spec.nthDay <= 0 || Math.ceil(day / 7) === spec.nthDay))
      return true;
    return spec.lastWeekday !== null && day > monthDays - 7 && spec.lastWeekday[weekday] === 1;
  }

  /** The first matching wall time at or after `fromMs` (a whole second). */
  #search(fromMs: number): number | null {
    const date = new Date(fromMs);
    let year = date.getUTCFullYear();
    let month = date.getUTCMonth() + 1;
    let day = date.getUTCDate();
    let hour = date.getUTCHours();
    let minute = date.getUTCMinutes();
    let second = date.getUTCSeconds();
    const lastYear = Math.min(year + SEARCH_YEARS, LAST_YEAR);
    const months = this.spec.month;
    while (year <= lastYear) {
      if (months[month] !== 1) {
        month++;
        if (month > 12) {
          month = 1;
          year++;
        }
        day = 1;
        hour = minute = second = 0;
        continue;
      }
      const monthDays = daysInMonth(year, month);
      if (day > monthDays || !this.#dayMatches(year, month, day, monthDays)) {
        day++;
        if (day > monthDays) {
          day = 1;
          month++;
          if (month > 12) {
            month = 1;
            year++;
          }
        }
        hour = minute = second = 0;
        continue;
      }
      const h = this.#hour[hour]!;
      if (h < 0) {
        day++;
        hour = minute = second = 0;
        continue;
      }
      if (h !== hour) {
        hour = h;
        minute = second = 0;
      }
      const m = this.#minute[minute]!;
      if (m < 0) {
        hour++;
        minute = second = 0;
        continue;
      }
      if (m !== minute) {
        minute = m;
        second = 0;
      }
      const s = this.#second[second]!;
      if (s < 0) {
        minute++;
        second = 0;
        continue;
      }
      return daysFromCivil(year, month, day) * DAY + hour * 3_600_000 + minute * 60_000 + s * SECOND;
    }
    return null;
  }
}
