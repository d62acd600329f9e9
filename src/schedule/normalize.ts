import { describeValue } from '../errors.js';
import { type CompiledCron, compileCron, rememberCompiled } from './cron.js';
import { describeCronError, invalid, YEAR_FIELD_HINT } from './errors.js';
import { isValidTimezone } from './timezone.js';
import type { NormalizedSchedule, ScheduleInput } from './types.js';

// Schedules as given (addJob, updateJob, the CLI) checked and turned into their stored shape, and the
// durations `every` is written in. What a stored schedule computes to is schedule.ts.

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
    rememberCompiled(known);
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
