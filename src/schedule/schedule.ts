import { type CronhookError, describeValue } from '../errors.js';
import { type CompiledCron, compileCron, compiledCount } from './cron.js';
import {
  describeCronError,
  invalid,
  invalidAt,
  invalidEvery,
  invalidStored,
  YEAR_FIELD_HINT,
} from './errors.js';
import { isValidTimezone } from './timezone.js';
import type { NormalizedSchedule, ScheduleInput } from './types.js';

export { compileCron } from './cron.js';
export { isValidTimezone } from './timezone.js';

/** Smallest `every` interval. */
export const MIN_EVERY_MS = 1000;
/** Largest `every` interval (ten years); longer periods are cron or `at` schedules. */
export const MAX_EVERY_MS = 3650 * 86_400_000;
/** Longest cron string accepted; a full list in every field fits well within it. */
export const MAX_CRON_LENGTH = 1024;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^\s*(\d{1,15}(?:\.\d{1,9})?)\s*(ms|s|m|h|d)\s*$/;

/**
 * Parses `'90s'`, `'15m'`, `'2h'`, `'1d'`, `'500ms'` or a number of milliseconds; NaN when invalid.
 *
 * @example
 * parseDuration('1.5h'); // 5_400_000
 */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value !== 'string') return Number.NaN;
  const match = DURATION.exec(value);
  if (!match) return Number.NaN;
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}

/** How many distinct (expression, timezone) pairs are interned. */
export function internedCount(): number {
  return compiledCount();
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
 *
 * @example
 * normalizeSchedule({ cron: '30 2 * * *', timezone: 'Europe/Berlin' }, { jobId: 'backup', timezone: 'UTC',
 *   now: Date.now(), allowPastAt: false }); // { kind: 'cron', cron: '30 2 * * *', timezone: 'Europe/Berlin' }
 */
export function normalizeSchedule(input: ScheduleInput, options: NormalizeOptions): NormalizedSchedule {
  const { jobId } = options;
  if (typeof input === 'string') return normalizeCron(input, options.timezone, jobId, 'schedule', 'timezone');
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalid(
      jobId,
      'schedule',
      `is ${describeValue(input)}; expected a cron string, { cron }, { every } or { at }`,
    );
  }
  const record = input as unknown as Record<string, unknown>;
  const kinds = (['cron', 'every', 'at'] as const).filter((key) => record[key] !== undefined);
  if (kinds.length > 1) {
    throw invalid(jobId, 'schedule', `has ${kinds.join(' and ')}; expected exactly one of cron, every or at`);
  }
  if (kinds[0] === 'cron' && 'cron' in input) {
    if (typeof input.cron !== 'string')
      throw invalid(jobId, 'schedule.cron', `is ${describeValue(input.cron)}; expected a cron string`);
    const timezone = input.timezone === undefined ? options.timezone : input.timezone;
    const tzField = input.timezone === undefined ? 'timezone' : 'schedule.timezone';
    return normalizeCron(input.cron, timezone, jobId, 'schedule.cron', tzField);
  }
  if (kinds[0] === 'every' && 'every' in input) return normalizeEvery(input.every, jobId, options.now);
  if (kinds[0] === 'at' && 'at' in input) {
    const value: unknown = input.at;
    const at = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
    if (at === null || Number.isNaN(at.getTime())) {
      throw invalid(
        jobId,
        'schedule.at',
        `is ${describeValue(value)}; expected a Date or an ISO-8601 string`,
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

function normalizeEvery(value: unknown, jobId: string, now: number): NormalizedSchedule {
  const everyMs =
    typeof value === 'string' || typeof value === 'number' ? Math.round(parseDuration(value)) : Number.NaN;
  if (Number.isNaN(everyMs)) {
    throw invalid(
      jobId,
      'schedule.every',
      `is ${describeValue(value)}; expected a duration like '90s', '15m', '2h', '1d' or milliseconds`,
    );
  }
  if (everyMs < MIN_EVERY_MS)
    throw invalid(jobId, 'schedule.every', `is ${everyMs} ms; the minimum is 1s (1000 ms)`);
  if (everyMs > MAX_EVERY_MS)
    throw invalid(jobId, 'schedule.every', `is ${everyMs} ms; the maximum is 3650d (use cron or at)`);
  return { kind: 'every', everyMs, anchor: new Date(now).toISOString() };
}

const ALIAS = /^@[a-z]+$/i;
/** Most raw strings remembered per timezone; past it the memo starts over (it only saves time). */
const ACCEPTED_LIMIT = 10_000;
/** Timezone → cron string as given → its compiled form, for strings already accepted. */
const accepted = new Map<string, Map<string, CompiledCron>>();
/** The last schedule normalized or computed: a new job asks for its first occurrence right after. */
let lastCompiled: CompiledCron | undefined;

/**
 * The compiled form of a normalized cron schedule. Its strings come from storage, where a row edited by hand
 * or a faulty adapter may have left anything: what does not compile is an `ERR_INVALID_SCHEDULE`, not
 * cron-parser's plain Error (or Intl's RangeError).
 */
function compiledOf(cron: string, timezone: string): CompiledCron {
  const last = lastCompiled;
  if (last !== undefined && last.cron === cron && last.timezone === timezone) return last;
  if (!isValidTimezone(timezone)) {
    throw invalidStored(
      'schedule.timezone',
      `is ${describeValue(timezone)}; expected an IANA timezone such as 'Europe/Berlin' or 'UTC'`,
    );
  }
  if (typeof cron !== 'string') {
    throw invalidStored('schedule.cron', `is ${describeValue(cron)}; expected a cron string`);
  }
  try {
    lastCompiled = compileCron(cron, timezone);
  } catch (error) {
    throw invalidStored(
      'schedule.cron',
      `${describeValue(cron)} is invalid: ${describeCronError(cron, error)}`,
      error,
    );
  }
  return lastCompiled;
}

function normalizeCron(
  cron: string,
  timezone: unknown,
  jobId: string,
  field: string,
  tzField: string,
): NormalizedSchedule {
  // 100k jobs on a few hundred patterns: a string accepted before skips the checks and the compile lookup.
  const known = typeof timezone === 'string' ? accepted.get(timezone)?.get(cron) : undefined;
  if (known !== undefined) {
    lastCompiled = known;
    return { kind: 'cron', cron: known.cron, timezone: known.timezone };
  }
  if (typeof timezone !== 'string' || !isValidTimezone(timezone)) {
    throw invalid(
      jobId,
      tzField,
      `is ${describeValue(timezone)}; expected an IANA timezone such as 'Europe/Berlin' or 'UTC'`,
    );
  }
  if (cron.length > MAX_CRON_LENGTH) {
    throw invalid(jobId, field, `is ${cron.length} characters long; the maximum is ${MAX_CRON_LENGTH}`);
  }
  let trimmed = cron.trim().replace(/\s+/g, ' ');
  if (ALIAS.test(trimmed)) trimmed = trimmed.toLowerCase();
  else if (!trimmed.startsWith('@')) {
    const count = trimmed === '' ? 0 : trimmed.split(' ').length;
    if (count !== 5 && count !== 6) {
      const year = count === 7 ? ` (${YEAR_FIELD_HINT})` : '';
      throw invalid(
        jobId,
        field,
        `${describeValue(cron)} has ${count} fields; expected 5 (minute first), 6 (second first) or an alias such as @daily${year}`,
      );
    }
  }
  let compiled: CompiledCron;
  try {
    compiled = compileCron(trimmed, timezone);
  } catch (error) {
    throw invalid(
      jobId,
      field,
      `${describeValue(cron)} is invalid: ${describeCronError(trimmed, error)}`,
      error,
    );
  }
  let zone = accepted.get(timezone);
  if (zone === undefined || zone.size >= ACCEPTED_LIMIT) {
    zone = new Map();
    accepted.set(timezone, zone);
  }
  zone.set(cron, compiled);
  return { kind: 'cron', cron: trimmed, timezone };
}

/**
 * The first occurrence strictly after `afterMs`, or null when there is none.
 *
 * Cron schedules follow the DST rules of docs/schedules.md. `every` schedules fire at anchor + k·every
 * (k ≥ 1): the first run one interval after the job was added, and no drift however long runs take.
 * Throws `ERR_INVALID_SCHEDULE` naming the field when the schedule does not compute (e.g. an invalid cron
 * string read back from storage).
 *
 * @example
 * // 29 March 2026: 02:30 does not exist in Berlin, the run moves to 03:30 CEST.
 * nextOccurrence({ kind: 'cron', cron: '30 2 * * *', timezone: 'Europe/Berlin' },
 *   Date.parse('2026-03-28T12:00:00Z')); // Date.parse('2026-03-29T01:30:00Z')
 */
export function nextOccurrence(schedule: NormalizedSchedule, afterMs: number): number | null {
  switch (schedule.kind) {
    case 'cron':
      return compiledOf(schedule.cron, schedule.timezone).next(afterMs);
    case 'every': {
      const { anchor, everyMs } = everyOf(schedule);
      if (afterMs < anchor) return anchor + everyMs;
      return anchor + (Math.floor((afterMs - anchor) / everyMs) + 1) * everyMs;
    }
    case 'at': {
      const at = atOf(schedule);
      return at > afterMs ? at : null;
    }
    default:
      throw unknownKind(schedule);
  }
}

/**
 * The last occurrence at or before `atMs`, or null when there is none. Found directly, whatever lies between:
 * a per-second schedule asked about three days later costs no more than a daily one.
 *
 * @example
 * previousOccurrence({ kind: 'cron', cron: '0 3 * * *', timezone: 'UTC' }, Date.parse('2026-01-05T12:00:00Z'));
 * // Date.parse('2026-01-05T03:00:00Z')
 */
export function previousOccurrence(schedule: NormalizedSchedule, atMs: number): number | null {
  switch (schedule.kind) {
    case 'cron':
      return compiledOf(schedule.cron, schedule.timezone).prev(atMs);
    case 'every': {
      const { anchor, everyMs } = everyOf(schedule);
      if (atMs < anchor + everyMs) return null;
      return anchor + Math.floor((atMs - anchor) / everyMs) * everyMs;
    }
    case 'at': {
      const at = atOf(schedule);
      return at <= atMs ? at : null;
    }
    default:
      throw unknownKind(schedule);
  }
}

/**
 * How many occurrences lie in (fromMs, toMs]. The work grows with the days in the range (cron) or is constant
 * (`every`, `at`), never with the number of occurrences, so an outage of any length is counted quickly.
 */
export function countOccurrences(schedule: NormalizedSchedule, fromMs: number, toMs: number): number {
  switch (schedule.kind) {
    case 'cron':
      return compiledOf(schedule.cron, schedule.timezone).count(fromMs, toMs);
    case 'every': {
      const { anchor, everyMs } = everyOf(schedule);
      if (!(toMs > fromMs)) return 0;
      // Occurrences are anchor + k·every for k ≥ 1.
      const last = Math.floor((toMs - anchor) / everyMs);
      const first = Math.max(1, Math.floor((fromMs - anchor) / everyMs) + 1);
      return Math.max(0, last - first + 1);
    }
    case 'at': {
      const at = atOf(schedule);
      return at > fromMs && at <= toMs ? 1 : 0;
    }
    default:
      throw unknownKind(schedule);
  }
}

function everyOf(schedule: { everyMs: number; anchor: string }): { anchor: number; everyMs: number } {
  const anchor = Date.parse(schedule.anchor);
  if (!(schedule.everyMs > 0 && Number.isFinite(schedule.everyMs)) || Number.isNaN(anchor))
    throw invalidEvery(schedule);
  return { anchor, everyMs: schedule.everyMs };
}

function atOf(schedule: { at: string }): number {
  const at = Date.parse(schedule.at);
  if (Number.isNaN(at)) throw invalidAt(schedule.at);
  return at;
}

function unknownKind(schedule: never): CronhookError {
  return invalidStored(
    'schedule',
    `has kind ${describeValue((schedule as { kind: unknown }).kind)}; expected 'cron', 'every' or 'at'`,
  );
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
