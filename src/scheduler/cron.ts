import { type CronExpression, CronExpressionParser } from 'cron-parser';
import { ZoneOffsets } from './timezone.js';

/**
 * A cron expression bound to a timezone, with cronhook's DST rules (docs/schedules.md):
 *
 * - cron-parser only ever matches wall-clock times, in UTC mode where no wall time is missing or repeated;
 *   the zone's offset table maps those wall times to instants;
 * - gap (clocks go forward by Δ): a matching wall time that does not exist fires at wall − offset before
 *   the gap, i.e. Δ later on the new clock (Temporal's 'compatible'); instants are deduplicated;
 * - overlap (clocks go back by Δ): a repeated wall time fires at its first instance only, unless the hour
 *   field matches all 24 hours, in which case it fires at every real instance (hourly cadence holds).
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
    this.#everyHour = wall.expression.fields.hour.values.length === 24;
  }

  /** The first fire instant strictly after `afterMs`, or null when there is none (or outside 1900–9999). */
  next(afterMs: number): number | null {
    let t = Math.floor(afterMs);
    // Each pass handles one constant-offset segment; segments end at transitions and at UTC year ends.
    for (let pass = 0; pass < 100_000; pass++) {
      const segment = this.#zone.segmentAt(t + 1);
      if (segment === null) return null;
      const { start, end, offsetMs, prevOffsetMs } = segment;
      const shift = offsetMs - prevOffsetMs;
      let best = Number.POSITIVE_INFINITY;
      if (shift > 0 && t < start + shift) {
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
}

/** Remembered (query, answer) pairs per matcher. */
const MEMO_SIZE = 4;

/**
 * The wall-clock side of an expression: cron-parser in UTC mode, where "UTC" ms stand for wall-clock times.
 * Shared by every timezone using the expression. Remembers its last few answers, so 100k jobs asking for
 * the next occurrence after the same instants cost a few cron-parser calls.
 */
export class WallMatcher {
  readonly expression: CronExpression;
  // A few remembered (query, answer) pairs: each says nothing matches in [query, answer), so it answers any
  // query in that span. Jobs sharing a pattern ask about a handful of instants per claim (the occurrence, the
  // one before it, now), which one remembered pair kept evicting.
  readonly #queries = new Float64Array(MEMO_SIZE).fill(Number.NaN);
  readonly #answers = new Float64Array(MEMO_SIZE).fill(Number.NaN);
  #nextSlot = 0;
  /** Where cron-parser's cursor stands (every use goes through this class). */
  #cursor = Number.NaN;

  constructor(expression: CronExpression) {
    this.expression = expression;
  }

  /** The first matching wall time strictly after `wallMs` (as UTC ms), or null when none is reachable. */
  nextAfter(wallMs: number): number | null {
    for (let i = 0; i < MEMO_SIZE; i++) {
      if (wallMs >= this.#queries[i]! && wallMs < this.#answers[i]!) return this.#answers[i]!;
    }
    let answer: number | null;
    try {
      // Iterating (asking after the last answer) continues from cron-parser's cursor: no reset, 2× faster.
      if (wallMs !== this.#cursor) this.expression.reset(new Date(wallMs));
      answer = this.expression.next().getTime();
      while (answer <= wallMs) answer = this.expression.next().getTime();
      this.#cursor = answer;
    } catch {
      // cron-parser gives up after its loop limit: no occurrence within reach.
      this.#cursor = Number.NaN;
      return null;
    }
    this.#queries[this.#nextSlot] = wallMs;
    this.#answers[this.#nextSlot] = answer;
    this.#nextSlot = (this.#nextSlot + 1) % MEMO_SIZE;
    return answer;
  }
}

const FIELD_NAMES = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'] as const;

/**
 * cron-parser in UTC mode. It rejects lists whose items overlap (`0-10,5-15`, `0,7` for Sunday), which
 * POSIX cron accepts; such fields are rewritten to the union of their items' values and parsed again.
 */
function parseWallClock(cron: string): CronExpression {
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
const compiled = new Map<string, CompiledCron>();

/**
 * The shared compiled form of (cron, timezone): 100k jobs on one pattern share one object. Throws
 * cron-parser's error when the expression is invalid; the caller validates the timezone.
 */
export function compileCron(cron: string, timezone: string): CompiledCron {
  const key = `${timezone}\u0000${cron}`;
  let entry = compiled.get(key);
  if (entry === undefined) {
    let wall = wallMatchers.get(cron);
    if (wall === undefined) {
      // Hashed values (H) would be drawn from Math.random in each process, so instances sharing storage
      // would disagree on fire times; jitterMs spreads jobs deterministically instead.
      if (!cron.startsWith('@') && HASHED.test(cron.replace(NAMES, '')))
        throw new Error('hashed values (H) are not supported; use jitterMs to spread start times');
      wall = new WallMatcher(parseWallClock(cron));
      // Every valid expression recurs within eight years (Feb 29 across 2100); none at all means never.
      if (wall.nextAfter(Date.UTC(2000, 0, 1)) === null) throw new Error('no occurrence found');
      wallMatchers.set(cron, wall);
    }
    entry = new CompiledCron(cron, timezone, wall);
    compiled.set(key, entry);
  }
  return entry;
}

/** How many distinct (expression, timezone) pairs are compiled. */
export function compiledCount(): number {
  return compiled.size;
}
