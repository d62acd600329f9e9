import { type CronhookError, describeValue } from '../errors.js';
import { type CompiledCron, compileCron, compiledCount, lastCompiled } from './cron.js';
import { describeCronError, invalidAt, invalidEvery, invalidStored } from './errors.js';
import { isValidTimezone } from './timezone.js';
import type { NormalizedSchedule } from './types.js';

// What a stored (normalized) schedule computes to: its next and previous occurrences, how many lie in a
// range, and a job's jitter. Checking a schedule as given and normalizing it is normalize.ts.

/** How many distinct (expression, timezone) pairs are interned. */
export function internedCount(): number {
  return compiledCount();
}

/**
 * The compiled form of a normalized cron schedule. Its strings come from storage, where a row edited by hand
 * or a faulty adapter may have left anything: what does not compile is an `ERR_INVALID_SCHEDULE`, not
 * cron-parser's plain Error (or Intl's RangeError). The pair compiled last (a new job asks for its first
 * occurrence right after it was normalized) was checked then and is not checked again.
 */
function compiledOf(cron: string, timezone: string): CompiledCron {
  const recent = lastCompiled(cron, timezone);
  if (recent !== undefined) return recent;
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
    return compileCron(cron, timezone);
  } catch (error) {
    throw invalidStored(
      'schedule.cron',
      `${describeValue(cron)} is invalid: ${describeCronError(cron, error)}`,
      error,
    );
  }
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
