import { civilFromDays, daysFromCivil, daysInMonth } from './calendar.js';
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

/** `prev[i]` is the last matching value ≤ i, or -1. */
function prevTable(matches: Uint8Array): Int8Array {
  const prev = new Int8Array(matches.length).fill(-1);
  for (let i = 0; i < matches.length; i++) prev[i] = matches[i] === 1 ? i : i > 0 ? prev[i - 1]! : -1;
  return prev;
}

/** `before[i]` is how many values below i match; `before[length]` counts them all. */
function countTable(matches: Uint8Array): Int32Array {
  const before = new Int32Array(matches.length + 1);
  for (let i = 0; i < matches.length; i++) before[i + 1] = before[i]! + (matches[i] === 1 ? 1 : 0);
  return before;
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
  readonly #prevSecond: Int8Array;
  readonly #prevMinute: Int8Array;
  readonly #prevHour: Int8Array;
  readonly #secondsBefore: Int32Array;
  readonly #minutesBefore: Int32Array;
  readonly #hoursBefore: Int32Array;
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
    this.#prevSecond = prevTable(spec.second);
    this.#prevMinute = prevTable(spec.minute);
    this.#prevHour = prevTable(spec.hour);
    this.#secondsBefore = countTable(spec.second);
    this.#minutesBefore = countTable(spec.minute);
    this.#hoursBefore = countTable(spec.hour);
  }

  /** The last matching wall time at or before `wallMs` (whole seconds, as UTC ms), or null when none. */
  prevAtOrBefore(wallMs: number): number | null {
    return this.#searchBack(Math.floor(wallMs / SECOND) * SECOND);
  }

  /**
   * How many matching wall times lie in [fromMs, toMs] (as UTC ms): whole matching days at once, so the work
   * grows with the days in the range, not with the matches.
   */
  countBetween(fromMs: number, toMs: number): number {
    const from = Math.ceil(fromMs / SECOND);
    const to = Math.floor(toMs / SECOND);
    if (to < from) return 0;
    const firstDay = Math.floor(from / 86_400);
    const lastDay = Math.floor(to / 86_400);
    const perDay = this.#upTo(86_399);
    let total = 0;
    let { year, month, day } = civilFromDays(firstDay);
    let monthDays = daysInMonth(year, month);
    for (let d = firstDay; d <= lastDay; d++) {
      if (this.spec.month[month] === 1 && this.#dayMatches(year, month, day, monthDays)) {
        const lo = d === firstDay ? from - d * 86_400 : 0;
        const hi = d === lastDay ? to - d * 86_400 : 86_399;
        total += lo === 0 && hi === 86_399 ? perDay : this.#upTo(hi) - this.#upTo(lo - 1);
      }
      if (++day > monthDays) {
        day = 1;
        if (++month > 12) {
          month = 1;
          year++;
        }
        monthDays = daysInMonth(year, month);
      }
    }
    return total;
  }

  /** Matching times of day at or before second `t` of a day (0–86399; -1 gives 0). */
  #upTo(t: number): number {
    if (t < 0) return 0;
    const hour = Math.floor(t / 3600);
    const minute = Math.floor((t % 3600) / 60);
    const second = t % 60;
    const perMinute = this.#secondsBefore[60]!;
    const perHour = this.#minutesBefore[60]! * perMinute;
    let count = this.#hoursBefore[hour]! * perHour;
    if (this.spec.hour[hour] === 1) {
      count += this.#minutesBefore[minute]! * perMinute;
      if (this.spec.minute[minute] === 1) count += this.#secondsBefore[second + 1]!;
    }
    return count;
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

  /** The last matching wall time at or before `fromMs` (a whole second). */
  #searchBack(fromMs: number): number | null {
    const date = new Date(fromMs);
    let year = date.getUTCFullYear();
    let month = date.getUTCMonth() + 1;
    let day = date.getUTCDate();
    let hour = date.getUTCHours();
    let minute = date.getUTCMinutes();
    let second = date.getUTCSeconds();
    const firstYear = year - SEARCH_YEARS;
    const months = this.spec.month;
    // Moves to the last second of the previous day.
    const dayBefore = () => {
      if (--day < 1) {
        if (--month < 1) {
          month = 12;
          year--;
        }
        day = daysInMonth(year, month);
      }
      hour = 23;
      minute = second = 59;
    };
    while (year >= firstYear) {
      if (months[month] !== 1) {
        day = 1;
        dayBefore();
        continue;
      }
      if (!this.#dayMatches(year, month, day, daysInMonth(year, month))) {
        dayBefore();
        continue;
      }
      const h = this.#prevHour[hour]!;
      if (h < 0) {
        dayBefore();
        continue;
      }
      if (h !== hour) {
        hour = h;
        minute = second = 59;
      }
      const m = this.#prevMinute[minute]!;
      if (m < 0) {
        if (hour === 0) dayBefore();
        else {
          hour--;
          minute = second = 59;
        }
        continue;
      }
      if (m !== minute) {
        minute = m;
        second = 59;
      }
      const s = this.#prevSecond[second]!;
      if (s < 0) {
        if (minute > 0) {
          minute--;
          second = 59;
        } else if (hour > 0) {
          hour--;
          minute = second = 59;
        } else dayBefore();
        continue;
      }
      return daysFromCivil(year, month, day) * DAY + hour * 3_600_000 + minute * 60_000 + s * SECOND;
    }
    return null;
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
