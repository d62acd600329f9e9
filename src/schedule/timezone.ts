/**
 * UTC offsets of an IANA timezone, as a table of constant-offset segments built lazily per UTC calendar
 * year from `Intl.DateTimeFormat`. Schedules read it instead of calling Intl on every computation: a year
 * costs about 400 Intl calls once per zone, after which an offset lookup is a range check.
 */

const SECOND = 1000;
const DAY = 86_400_000;
/** Midnight UTC on 1 January of `year` (Date.UTC would read years 0–99 as 1900–1999). */
const yearStart = (year: number): number => new Date(0).setUTCFullYear(year, 0, 1);
/** Years 1900 to 9999: before, zones ran on local mean time; outside, Intl needs eras. */
export const SUPPORTED_FROM_MS = yearStart(1900);
export const SUPPORTED_TO_MS = yearStart(10_000) - 1;

/**
 * A run of instants [start, end) sharing one offset. It ends at the next transition or at the end of its
 * UTC year, and starts at its transition (when one lies in the last two days of the previous year).
 */
export interface OffsetSegment {
  start: number;
  end: number;
  /** Wall clock minus UTC, in ms, inside the segment. */
  offsetMs: number;
  /** Offset in effect just before `start`; differs from `offsetMs` when `start` is a transition. */
  prevOffsetMs: number;
}

interface YearTable {
  start: number;
  end: number;
  /** start, each transition inside the year, end. */
  bounds: number[];
  /** offsets[i] holds on [bounds[i], bounds[i + 1]). */
  offsets: number[];
  /** Offset just before bounds[0] (which is a transition up to two days before `start`, or `start`). */
  before: number;
}

const validZones = new Map<string, boolean>();

/** True for a timezone this runtime's Intl knows (IANA names such as 'Europe/Berlin', and 'UTC'). */
export function isValidTimezone(timezone: string): boolean {
  if (typeof timezone !== 'string' || timezone.length === 0 || timezone.length > 100) return false;
  // Known without asking Intl, whose first DateTimeFormat loads time zone data (~25 ms).
  if (FIXED_UTC.has(timezone)) return true;
  let ok = validZones.get(timezone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
      ok = true;
    } catch {
      ok = false;
    }
    validZones.set(timezone, ok);
  }
  return ok;
}

const FIXED_UTC = new Set([
  'UTC',
  'Etc/UTC',
  'GMT',
  'Etc/GMT',
  'Etc/Universal',
  'Etc/Zulu',
  'Universal',
  'Zulu',
]);

/** Offset table of one timezone; get it with {@link ZoneOffsets.of}. */
export class ZoneOffsets {
  static readonly #zones = new Map<string, ZoneOffsets>();

  /** The shared table of `timezone` (which must be valid, see {@link isValidTimezone}). */
  static of(timezone: string): ZoneOffsets {
    let zone = ZoneOffsets.#zones.get(timezone);
    if (!zone) {
      zone = new ZoneOffsets(timezone);
      ZoneOffsets.#zones.set(timezone, zone);
    }
    return zone;
  }

  readonly timezone: string;
  /** UTC all year round ('UTC', 'Etc/UTC', …): wall clock and instants coincide. */
  readonly fixedUtc: boolean;
  readonly #years = new Map<number, YearTable>();
  #last: YearTable | undefined;
  #format: Intl.DateTimeFormat | undefined;

  private constructor(timezone: string) {
    this.timezone = timezone;
    this.fixedUtc = FIXED_UTC.has(timezone);
  }

  /** True for an instant in years 1900–9999, the span schedules support. */
  supports(ms: number): boolean {
    return ms >= SUPPORTED_FROM_MS && ms <= SUPPORTED_TO_MS;
  }

  /** The constant-offset segment containing instant `ms`, or null outside years 1900–9999. */
  segmentAt(ms: number): OffsetSegment | null {
    if (!(ms >= SUPPORTED_FROM_MS && ms <= SUPPORTED_TO_MS)) return null;
    let table = this.#last;
    if (table === undefined || ms < table.start || ms >= table.end) {
      table = this.#yearTable(new Date(ms).getUTCFullYear());
      this.#last = table;
    }
    const { bounds, offsets } = table;
    let i = 0;
    while (ms >= bounds[i + 1]!) i++;
    return {
      start: bounds[i]!,
      end: bounds[i + 1]!,
      offsetMs: offsets[i]!,
      prevOffsetMs: i === 0 ? table.before : offsets[i - 1]!,
    };
  }

  #yearTable(year: number): YearTable {
    let table = this.#years.get(year);
    if (table) return table;
    const start = yearStart(year);
    const end = yearStart(year + 1);
    if (this.fixedUtc) {
      table = { start, end, bounds: [start, end], offsets: [0], before: 0 };
    } else {
      // Sample once a day and bisect each change down to the second. Two transitions less than a day
      // apart would hide each other; no zone has had such a pair since the tz database began.
      let offset = this.#intlOffset(start - SECOND);
      // A transition in the last two days of the previous year still shapes the start of this one (its
      // repeated or skipped wall times can run past midnight UTC), so the first segment starts there.
      let before = this.#intlOffset(start - 2 * DAY);
      const bounds = [start];
      if (before !== offset) bounds[0] = this.#bisect(start - 2 * DAY, start - SECOND, before);
      else before = offset;
      const offsets: number[] = [];
      let at = start - SECOND;
      while (at < end - SECOND) {
        const nextAt = Math.min(at + DAY, end - SECOND);
        const nextOffset = this.#intlOffset(nextAt);
        if (nextOffset !== offset) {
          const transition = this.#bisect(at, nextAt, offset);
          if (transition === start) {
            // The year begins with a transition: the first segment starts at it.
            bounds[0] = start;
            before = offset;
          } else {
            offsets.push(offset);
            bounds.push(transition);
          }
          offset = this.#intlOffset(transition);
        }
        at = nextAt;
      }
      offsets.push(offset);
      bounds.push(end);
      table = { start, end, bounds, offsets, before };
    }
    this.#years.set(year, table);
    return table;
  }

  /** First instant in (lo, hi] whose offset differs from `offset`, which holds at lo (whole seconds). */
  #bisect(lo: number, hi: number, offset: number): number {
    while (hi - lo > SECOND) {
      const mid = lo + Math.floor((hi - lo) / (2 * SECOND)) * SECOND;
      if (this.#intlOffset(mid) === offset) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  #intlOffset(ms: number): number {
    this.#format ??= new Intl.DateTimeFormat('en-US', {
      timeZone: this.timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    const fields: Record<string, number> = {};
    for (const part of this.#format.formatToParts(ms)) {
      if (part.type !== 'literal') fields[part.type] = Number(part.value);
    }
    const wall = Date.UTC(
      fields.year!,
      fields.month! - 1,
      fields.day!,
      fields.hour!,
      fields.minute!,
      fields.second!,
    );
    return wall - (ms - (((ms % SECOND) + SECOND) % SECOND));
  }
}
