/**
 * A slow, obviously correct cron oracle for property tests. It shares no code with src/: it steps through
 * real time minute by minute, asks Intl.DateTimeFormat for each minute's wall clock, and checks each field
 * with its own matcher. Seconds are checked inside each minute (every zone here changes offset on a whole
 * minute, which `wallClock` asserts).
 *
 * Supported syntax (the subset the property tests generate): `*`, numbers, `a-b`, `*∕n`, `a-b∕n`, `a∕n`,
 * lists, month and weekday names, `L` in day-of-month, 7 as Sunday. DST rules (docs/schedules.md):
 * - a matching wall time that exists once fires at that instant;
 * - a repeated wall time (clocks went back) fires at its first instance only, unless the hour field
 *   matches all 24 hours, in which case every real instance fires;
 * - a matching wall time skipped by a gap fires at wall time − the offset in force before the gap, unless
 *   the hour field matches all 24 hours, in which case it does not fire (only real instants count).
 * Day-of-month and day-of-week: when both are restricted (not exactly `*`), either may match (POSIX).
 */

const MINUTE = 60_000;
/** Default look-back: longer than any gap or overlap (Pacific/Apia skipped a whole day in 2011). */
const LOOKBACK = 25 * 3_600_000;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Field {
  raw: string;
  values: Set<number>;
  last: boolean;
}

export interface OracleCron {
  hasSeconds: boolean;
  second: Field;
  minute: Field;
  hour: Field;
  dayOfMonth: Field;
  month: Field;
  dayOfWeek: Field;
}

function parseField(raw: string, min: number, max: number, names?: string[], nameBase = 0): Field {
  const values = new Set<number>();
  let last = false;
  const num = (text: string): number => {
    const index = names?.indexOf(text.toLowerCase()) ?? -1;
    const value = index >= 0 ? index + nameBase : Number(text);
    if (!Number.isInteger(value) || value < min || value > max || !/^\w+$/.test(text)) {
      throw new Error(`oracle: bad value ${text}`);
    }
    return value;
  };
  for (const item of raw.split(',')) {
    if (item === 'L') {
      last = true;
      continue;
    }
    const [range, stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`oracle: bad step ${item}`);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') [from, to] = [min, max];
    else if (range!.includes('-')) [from, to] = range!.split('-').map(num) as [number, number];
    else [from, to] = [num(range!), stepText === undefined ? num(range!) : max];
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return { raw, values, last };
}

/** Parses the generated subset; throws on anything else. */
export function parseOracleCron(expression: string): OracleCron {
  const parts = expression.trim().split(/\s+/);
  const hasSeconds = parts.length === 6;
  const [second, minute, hour, dayOfMonth, month, dayOfWeek] = hasSeconds ? parts : ['0', ...parts];
  const dow = parseField(dayOfWeek!, 0, 7, DAYS);
  if (dow.values.delete(7)) dow.values.add(0);
  return {
    hasSeconds,
    second: parseField(second!, 0, 59),
    minute: parseField(minute!, 0, 59),
    hour: parseField(hour!, 0, 23),
    dayOfMonth: parseField(dayOfMonth!, 1, 31),
    month: parseField(month!, 1, 12, MONTHS, 1),
    dayOfWeek: dow,
  };
}

/** Does a wall-clock time (as UTC ms) match? */
export function matchesWall(cron: OracleCron, wall: number): boolean {
  const d = new Date(wall);
  if (!cron.second.values.has(d.getUTCSeconds())) return false;
  if (!cron.minute.values.has(d.getUTCMinutes())) return false;
  if (!cron.hour.values.has(d.getUTCHours())) return false;
  if (!cron.month.values.has(d.getUTCMonth() + 1)) return false;
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  const domMatch =
    cron.dayOfMonth.values.has(d.getUTCDate()) || (cron.dayOfMonth.last && d.getUTCDate() === lastDay);
  const dowMatch = cron.dayOfWeek.values.has(d.getUTCDay());
  const domRestricted = cron.dayOfMonth.raw !== '*' && cron.dayOfMonth.raw !== '?';
  const dowRestricted = cron.dayOfWeek.raw !== '*' && cron.dayOfWeek.raw !== '?';
  if (domRestricted && dowRestricted) return domMatch || dowMatch;
  if (domRestricted) return domMatch;
  if (dowRestricted) return dowMatch;
  return true;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of `timezone` at instant `ms`, as the UTC ms with the same fields. */
export function wallClock(timezone: string, ms: number): number {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, format);
  }
  const f: Record<string, number> = {};
  for (const part of format.formatToParts(ms)) if (part.type !== 'literal') f[part.type] = Number(part.value);
  const wall = Date.UTC(f.year!, f.month! - 1, f.day!, f.hour!, f.minute!, f.second!) + (ms % 1000);
  if (ms % MINUTE === 0 && wall % MINUTE !== 0)
    throw new Error(`oracle: ${timezone} has a sub-minute offset`);
  return wall;
}

/**
 * Every fire instant of `expression` in `timezone` within (fromMs, toMs], by brute force. `lookbackMs` must
 * exceed the zone's longest gap or overlap (to see a repeated wall time or a shifted gap time that began
 * before `fromMs`); a smaller one only makes the walk shorter.
 */
export function oracleFires(
  expression: string,
  timezone: string,
  fromMs: number,
  toMs: number,
  lookbackMs = LOOKBACK,
): number[] {
  const cron = parseOracleCron(expression);
  const everyHour = cron.hour.values.size === 24;
  const seconds = cron.hasSeconds ? Array.from({ length: 60 }, (_, s) => s * 1000) : [0];
  const fires = new Set<number>();
  const seen = new Set<number>();
  const add = (at: number) => {
    if (at > fromMs && at <= toMs) fires.add(at);
  };
  let previous: { at: number; wall: number } | undefined;
  for (let t = Math.floor((fromMs - lookbackMs) / MINUTE) * MINUTE; t <= toMs; t += MINUTE) {
    const wall = wallClock(timezone, t);
    if (previous && wall - previous.wall > MINUTE && !everyHour) {
      // Clocks jumped forward: these wall times never happened; each match fires shifted by the gap.
      const offsetBefore = previous.wall - previous.at;
      for (let skipped = previous.wall + MINUTE; skipped < wall; skipped += MINUTE) {
        for (const s of seconds) if (matchesWall(cron, skipped + s)) add(skipped + s - offsetBefore);
      }
    }
    const repeated = seen.has(wall);
    if (!repeated || everyHour) {
      for (const s of seconds) if (matchesWall(cron, wall + s)) add(t + s);
    }
    seen.add(wall);
    previous = { at: t, wall };
  }
  return [...fires].sort((a, b) => a - b);
}

/** Instants where `timezone` changes offset in [fromMs, toMs), found by daily sampling and bisection. */
export function findTransitions(timezone: string, fromMs: number, toMs: number): number[] {
  const offset = (ms: number) => wallClock(timezone, ms) - ms;
  const found: number[] = [];
  const DAY = 86_400_000;
  for (let t = fromMs; t < toMs; t += DAY) {
    const a = offset(t);
    if (offset(t + DAY) === a) continue;
    let lo = t;
    let hi = t + DAY;
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / (2 * MINUTE)) * MINUTE;
      if (offset(mid) === a) lo = mid;
      else hi = mid;
    }
    found.push(hi);
  }
  return found;
}
