import { type CronExpression, CronExpressionParser } from 'cron-parser';
import { CronhookError, describeValue } from '../errors.js';
import type { NormalizedSchedule, ScheduleInput } from './types.js';

/** Smallest `every` interval. */
export const MIN_EVERY_MS = 1000;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/** Parses `'90s'`, `'15m'`, `'2h'`, `'1d'`, `'500ms'` or a number of milliseconds; NaN when invalid. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  const match = DURATION.exec(value);
  if (!match) return Number.NaN;
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}

const validZones = new Map<string, boolean>();

/** True for an IANA timezone name this runtime knows. */
export function isValidTimezone(timezone: string): boolean {
  let ok = validZones.get(timezone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
      ok = timezone.length > 0;
    } catch {
      ok = false;
    }
    validZones.set(timezone, ok);
  }
  return ok;
}

// Parsed expressions are interned by (expression, timezone): 100k jobs on one pattern share one object.
// cron-parser expressions are iterators with a cursor, so every use resets the cursor first; JavaScript
// runs one use at a time, which makes the sharing safe.
const interned = new Map<string, CronExpression>();

/** The shared parsed expression for (cron, timezone); throws cron-parser's error when invalid. */
export function internCron(cron: string, timezone: string): CronExpression {
  const key = `${timezone}\u0000${cron}`;
  let expression = interned.get(key);
  if (!expression) {
    expression = CronExpressionParser.parse(cron, { tz: timezone, strict: false });
    interned.set(key, expression);
  }
  return expression;
}

/** How many distinct (expression, timezone) pairs are interned. */
export function internedCount(): number {
  return interned.size;
}

function invalid(jobId: string, field: string, message: string, cause?: unknown): CronhookError {
  return new CronhookError('ERR_INVALID_SCHEDULE', `Job ${JSON.stringify(jobId)}: ${field} ${message}`, {
    field,
    cause,
  });
}

export interface NormalizeOptions {
  jobId: string;
  /** Timezone for cron strings without their own. */
  timezone: string;
  now: number;
  /** Accept an `at` in the past (the job's catch-up policy runs it). */
  allowPastAt: boolean;
}

/**
 * Validates a schedule and turns it into its stored shape. Throws `ERR_INVALID_SCHEDULE` naming the job, the
 * field, the value and what is allowed.
 */
export function normalizeSchedule(input: ScheduleInput, options: NormalizeOptions): NormalizedSchedule {
  const { jobId } = options;
  if (typeof input === 'string') return normalizeCron(input, options.timezone, 'schedule', jobId);
  if (input === null || typeof input !== 'object') {
    throw invalid(
      jobId,
      'schedule',
      `is ${describeValue(input)}; expected a cron string, { cron }, { every } or { at }`,
    );
  }
  if ('cron' in input) {
    const timezone = input.timezone ?? options.timezone;
    if (typeof input.cron !== 'string')
      throw invalid(jobId, 'schedule.cron', `is ${describeValue(input.cron)}; expected a string`);
    return normalizeCron(input.cron, timezone, 'schedule.cron', jobId, 'schedule.timezone');
  }
  if ('every' in input) {
    const everyMs = parseDuration(input.every);
    if (Number.isNaN(everyMs)) {
      throw invalid(
        jobId,
        'schedule.every',
        `is ${describeValue(input.every)}; expected a duration like '90s', '15m', '2h' or milliseconds`,
      );
    }
    if (everyMs < MIN_EVERY_MS)
      throw invalid(jobId, 'schedule.every', `is ${everyMs} ms; the minimum is 1s (1000 ms)`);
    return { kind: 'every', everyMs, anchor: new Date(options.now).toISOString() };
  }
  if ('at' in input) {
    const at = input.at instanceof Date ? input.at : typeof input.at === 'string' ? new Date(input.at) : null;
    if (at === null || Number.isNaN(at.getTime())) {
      throw invalid(
        jobId,
        'schedule.at',
        `is ${describeValue(input.at)}; expected a Date or an ISO-8601 string`,
      );
    }
    if (at.getTime() < options.now - 1000 && !options.allowPastAt) {
      throw invalid(
        jobId,
        'schedule.at',
        `is ${at.toISOString()}, in the past; use a future time, or catchUp 'latest' or { max } to run it now`,
      );
    }
    return { kind: 'at', at: at.toISOString() };
  }
  throw invalid(jobId, 'schedule', 'has none of cron, every or at');
}

function normalizeCron(cron: string, timezone: string, field: string, jobId: string, tzField = 'timezone') {
  if (typeof timezone !== 'string' || !isValidTimezone(timezone)) {
    throw invalid(
      jobId,
      tzField,
      `is ${describeValue(timezone)}; expected an IANA timezone such as 'Europe/Berlin' or 'UTC'`,
    );
  }
  const trimmed = cron.trim().replace(/\s+/g, ' ');
  const fields = trimmed.startsWith('@') ? 1 : trimmed.split(' ').length;
  if (fields !== 1 && fields !== 5 && fields !== 6) {
    throw invalid(
      jobId,
      field,
      `${JSON.stringify(cron)} has ${fields} fields; expected 5 (minute first) or 6 (second first)`,
    );
  }
  try {
    const expression = internCron(trimmed, timezone);
    expression.reset(new Date(0));
    expression.next();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalid(jobId, field, `${JSON.stringify(cron)} is not a valid cron expression: ${reason}`, error);
  }
  return { kind: 'cron' as const, cron: trimmed, timezone };
}

/** The first occurrence strictly after `afterMs`, or null when there is none. */
export function nextOccurrence(schedule: NormalizedSchedule, afterMs: number): number | null {
  switch (schedule.kind) {
    case 'cron': {
      const expression = internCron(schedule.cron, schedule.timezone);
      // cron-parser works at second precision; step past the current second so nothing repeats.
      expression.reset(new Date(afterMs));
      try {
        let next = expression.next().getTime();
        while (next <= afterMs) next = expression.next().getTime();
        return next;
      } catch {
        return null;
      }
    }
    case 'every': {
      const anchor = Date.parse(schedule.anchor);
      if (afterMs < anchor) return anchor;
      return anchor + (Math.floor((afterMs - anchor) / schedule.everyMs) + 1) * schedule.everyMs;
    }
    case 'at': {
      const at = Date.parse(schedule.at);
      return at > afterMs ? at : null;
    }
  }
}

/**
 * Occurrences in (fromMs, toMs], oldest first. With `max`, only the last `max` of them are returned, and
 * `total` still counts them all (bounded by `countLimit` so a years-long outage cannot spin).
 */
export function occurrencesBetween(
  schedule: NormalizedSchedule,
  fromMs: number,
  toMs: number,
  max: number,
  countLimit = 100_000,
): { times: number[]; total: number } {
  const times: number[] = [];
  let total = 0;
  if (schedule.kind === 'every') {
    // Closed form: no need to walk each interval.
    const first = nextOccurrence(schedule, fromMs);
    if (first === null || first > toMs) return { times, total };
    total = Math.floor((toMs - first) / schedule.everyMs) + 1;
    const startIndex = Math.max(0, total - max);
    for (let i = startIndex; i < total; i++) times.push(first + i * schedule.everyMs);
    return { times, total };
  }
  let cursor = fromMs;
  while (total < countLimit) {
    const next = nextOccurrence(schedule, cursor);
    if (next === null || next > toMs) break;
    total++;
    times.push(next);
    if (times.length > max) times.shift();
    cursor = next;
  }
  return { times, total };
}

/**
 * Deterministic jitter in [0, jitterMs] for one occurrence: the same job and time always get the same
 * offset, on every instance, so a claimed occurrence never moves.
 */
export function jitterFor(jobId: string, scheduledAt: number, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  let h = 2166136261;
  const key = `${jobId}@${scheduledAt}`;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % (jitterMs + 1);
}
