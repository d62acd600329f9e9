import { type CronExpression, CronExpressionParser } from 'cron-parser';
import { cronSpecFrom, fastCronSpec } from './cron-spec.js';
import { SUPPORTED_FROM_MS, SUPPORTED_TO_MS, ZoneOffsets } from './timezone.js';
import { WallMatcher } from './wall-matcher.js';

/**
 * A cron expression bound to a timezone, with cronhook's DST rules (docs/schedules.md):
 *
 * - the {@link WallMatcher} only ever matches wall-clock times, as UTC ms where no wall time is missing or
 *   repeated; the zone's offset table maps those wall times to instants;
 * - gap (clocks go forward by Δ): a matching wall time that does not exist fires at wall − offset before
 *   the gap, i.e. Δ later on the new clock (Temporal's 'compatible'); instants are deduplicated;
 * - overlap (clocks go back by Δ): a repeated wall time fires at its first instance only;
 * - unless the hour field matches all 24 hours: then only real instants count, through both (every
 *   repeated instance fires, a missing wall time does not), so an hourly cadence holds even across a
 *   30-minute gap, where a moved 02:00 would land at 02:30, between two real runs.
 */
export class CompiledCron {
  readonly cron: string;
  readonly timezone: string;
  readonly #wall: WallMatcher;
  readonly #zone: ZoneOffsets;
  readonly #everyHour: boolean;

  constructor(cron: string, timezone: string, wall: WallMatcher) {
    this.cron = cron;
    this.timezone = timezone;
    this.#wall = wall;
    this.#zone = ZoneOffsets.of(timezone);
    this.#everyHour = wall.everyHour;
  }

  /** The first fire instant strictly after `afterMs`, or null when there is none (or outside 1900–9999). */
  next(afterMs: number): number | null {
    let t = Math.floor(afterMs);
    if (this.#zone.fixedUtc) {
      // Wall clock and instants coincide: no segments to walk.
      if (!this.#zone.supports(t + 1)) return null;
      const at = this.#wall.nextAfter(t);
      return at !== null && this.#zone.supports(at) ? at : null;
    }
    // Each pass handles one constant-offset segment; segments end at transitions and at UTC year ends.
    for (let pass = 0; pass < 100_000; pass++) {
      const segment = this.#zone.segmentAt(t + 1);
      if (segment === null) return null;
      const { start, end, offsetMs, prevOffsetMs } = segment;
      const shift = offsetMs - prevOffsetMs;
      let best = Number.POSITIVE_INFINITY;
      if (shift > 0 && t < start + shift && !this.#everyHour) {
        // Wall times [start + prev, start + offset) do not exist; each that matches fires at wall - prev.
        const wall = this.#wall.nextAfter(Math.max(t + prevOffsetMs, start + prevOffsetMs - 1));
        if (wall !== null && wall < start + offsetMs) best = wall - prevOffsetMs;
      }
      let from = t + offsetMs;
      // Instants [start, start - shift) repeat wall times already seen before the transition.
      if (shift < 0 && !this.#everyHour) from = Math.max(from, start + prevOffsetMs - 1);
      const wall = this.#wall.nextAfter(from);
      if (wall === null) return best === Number.POSITIVE_INFINITY ? null : best;
      const at = wall - offsetMs;
      if (at < end && at < best) best = at;
      if (best !== Number.POSITIVE_INFINITY) return best;
      t = end - 1;
    }
    return null;
  }

  /**
   * The last fire instant at or before `atMs`, or null when there is none (or outside 1900–9999). Found
   * directly, without walking the occurrences in between: inside a constant-offset segment, away from the
   * instants a transition shifts or repeats, an instant fires exactly when its wall time matches, so the
   * matcher's backward search answers; the few instants just after a transition are taken from `next`
   * itself, which owns the DST rules.
   */
  prev(atMs: number): number | null {
    let t = Math.floor(atMs);
    if (this.#zone.fixedUtc) {
      if (!this.#zone.supports(t)) return null;
      const at = this.#wall.prevAtOrBefore(t);
      return at !== null && this.#zone.supports(at) ? at : null;
    }
    for (let pass = 0; pass < 100_000; pass++) {
      const segment = this.#zone.segmentAt(t);
      if (segment === null) return null;
      const { start, offsetMs } = segment;
      const safeFrom = start + Math.abs(offsetMs - segment.prevOffsetMs);
      const wall = this.#wall.prevAtOrBefore(t + offsetMs);
      if (wall === null) return null;
      if (wall - offsetMs >= safeFrom) return wall - offsetMs;
      if (safeFrom > start) {
        let at = this.next(start - 1);
        if (at !== null && at <= t) {
          for (let after = this.next(at); after !== null && after <= t; after = this.next(at)) at = after;
          return at;
        }
      }
      t = start - 1;
    }
    return null;
  }

  /**
   * How many fire instants lie in (fromMs, toMs]. Counted by whole days of matching wall times inside each
   * constant-offset segment (see {@link prev}), so a long range costs its days, not its occurrences.
   */
  count(fromMs: number, toMs: number): number {
    let t = Math.floor(fromMs);
    const to = Math.floor(toMs);
    if (to <= t) return 0;
    if (this.#zone.fixedUtc) {
      const lo = Math.max(t + 1, SUPPORTED_FROM_MS);
      const hi = Math.min(to, SUPPORTED_TO_MS);
      return hi < lo ? 0 : this.#wall.countBetween(lo, hi);
    }
    let total = 0;
    while (t < to) {
      const segment = this.#zone.segmentAt(t + 1);
      if (segment === null) break;
      const { start, end, offsetMs } = segment;
      const safeFrom = start + Math.abs(offsetMs - segment.prevOffsetMs);
      const last = Math.min(end - 1, to);
      // The instants a transition shifts or repeats: counted as `next` gives them.
      for (let at = this.next(t); at !== null && at < safeFrom && at <= last; at = this.next(at)) total++;
      const lo = Math.max(t + 1, safeFrom);
      if (lo <= last) total += this.#wall.countBetween(lo + offsetMs, last + offsetMs);
      t = last;
    }
    return total;
  }
}

const FIELD_NAMES = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'] as const;

/**
 * cron-parser in UTC mode (exported for the tests that hold the fast path to it). It rejects lists whose items overlap (`0-10,5-15`, `0,7` for Sunday), which
 * POSIX cron accepts; such fields are rewritten to the union of their items' values and parsed again.
 */
export function parseWallClock(cron: string): CronExpression {
  try {
    return CronExpressionParser.parse(cron, { tz: 'UTC', strict: false });
  } catch (error) {
    if (!(error instanceof Error && error.message.includes('duplicate values'))) throw error;
  }
  const parts = cron.split(' ');
  const names = parts.length === 6 ? FIELD_NAMES : FIELD_NAMES.slice(1);
  const merged = parts.map((part, i) => {
    if (!part.includes(',')) return part;
    const values = new Set<number | string>();
    for (const item of part.split(',')) {
      const probe = parts.map((_part, j) => (j === i ? item : '*')).join(' ');
      for (const value of CronExpressionParser.parse(probe, { tz: 'UTC' }).fields[names[i]!].values) {
        values.add(value);
      }
    }
    // Sunday is both 0 and 7 in the day-of-week field.
    if (names[i] === 'dayOfWeek' && values.has(0)) values.delete(7);
    return [...values].join(',');
  });
  return CronExpressionParser.parse(merged.join(' '), { tz: 'UTC', strict: false });
}

const HASHED = /h/i;
const NAMES = /[a-z]{3}/gi;
const wallMatchers = new Map<string, WallMatcher>();
/** Timezone → expression → compiled: two lookups of strings the caller holds, no key to build per call. */
const compiled = new Map<string, Map<string, CompiledCron>>();
/** Distinct pairs kept; past it the cache starts over, so apps that make one-off expressions don't grow it forever. */
export const COMPILED_LIMIT = 10_000;
let cachedPairs = 0;
let compiledTotal = 0;
/** The last answer: a job's registration asks for the same pair twice in a row (validate, then schedule). */
let last: CompiledCron | undefined;

/**
 * The shared compiled form of (cron, timezone): 100k jobs on one pattern share one object. Throws
 * cron-parser's error when the expression is invalid; the caller validates the timezone. cron-parser is the
 * reference for the syntax: an expression it refuses is refused, and one it accepts matches what it would.
 */
export function compileCron(cron: string, timezone: string): CompiledCron {
  const recent = lastCompiled(cron, timezone);
  if (recent !== undefined) return recent;
  let zone = compiled.get(timezone);
  let entry = zone?.get(cron);
  if (entry === undefined) {
    let wall = wallMatchers.get(cron);
    if (wall === undefined) {
      // Hashed values (H) would be drawn from Math.random in each process, so instances sharing storage
      // would disagree on fire times; jitterMs spreads jobs deterministically instead.
      if (!cron.startsWith('@') && HASHED.test(cron.replace(NAMES, '')))
        throw new Error('hashed values (H) are not supported; use jitterMs to spread start times');
      // Plain numeric fields are read here; anything else (L, #, nL, or an error to word) goes to cron-parser.
      wall = new WallMatcher(fastCronSpec(cron) ?? cronSpecFrom(parseWallClock(cron)));
      // Every satisfiable expression recurs within 28 years; none in the 400 searched means never (30 feb).
      if (wall.nextAfter(Date.UTC(2000, 0, 1)) === null) throw new Error('no occurrence found');
    }
    entry = new CompiledCron(cron, timezone, wall);
    if (cachedPairs >= COMPILED_LIMIT) {
      // Jobs keep only their expression strings: a dropped entry is compiled again when next asked for.
      compiled.clear();
      wallMatchers.clear();
      cachedPairs = 0;
      zone = undefined;
    }
    if (zone === undefined) {
      zone = new Map();
      compiled.set(timezone, zone);
    }
    zone.set(cron, entry);
    wallMatchers.set(cron, wall);
    cachedPairs++;
    compiledTotal++;
  }
  last = entry;
  return entry;
}

/**
 * The compiled form handed out last, when it is the one of (cron, timezone): whoever checked the pair before
 * compiling it may skip the checks for it.
 */
export function lastCompiled(cron: string, timezone: string): CompiledCron | undefined {
  return last !== undefined && last.cron === cron && last.timezone === timezone ? last : undefined;
}

/** Makes `entry` the last answer, for a memo of its own that handed it out without {@link compileCron}. */
export function rememberCompiled(entry: CompiledCron): void {
  last = entry;
}

/** How many times a distinct (expression, timezone) pair was compiled (a pair dropped from the cache counts again). */
export function compiledCount(): number {
  return compiledTotal;
}

/** How many (expression, timezone) pairs the cache holds now (at most {@link COMPILED_LIMIT}). */
export function cachedCount(): number {
  return cachedPairs;
}
