import { CronExpressionParser } from 'cron-parser';
import { CronhookError, describeValue } from '../errors.js';

// The ERR_INVALID_SCHEDULE errors: of a schedule given to addJob/updateJob, which name the job, and of a
// schedule read back from storage that does not compute, named after the job where there is one; and the
// explanation of a cron string that does not parse, which their messages carry.

/** An invalid schedule given for job `jobId` (addJob, updateJob), naming the field. */
export function invalid(jobId: string, field: string, message: string, cause?: unknown): CronhookError {
  return new CronhookError('ERR_INVALID_SCHEDULE', `Job ${JSON.stringify(jobId)}: ${field} ${message}`, {
    field,
    cause,
  });
}

/** A stored schedule that does not compute (no job id here: {@link scheduleErrorOfJob} adds it). */
export function invalidStored(field: string, message: string, cause?: unknown): CronhookError {
  return new CronhookError('ERR_INVALID_SCHEDULE', `${field} ${message}`, { field, cause });
}

/**
 * `error`, naming job `jobId` when it is the `ERR_INVALID_SCHEDULE` of a stored schedule that does not
 * compute (see {@link nextOccurrence}); any other error as it is.
 */
export function scheduleErrorOfJob(jobId: string, error: unknown): unknown {
  if (!(error instanceof CronhookError && error.code === 'ERR_INVALID_SCHEDULE')) return error;
  return new CronhookError(
    'ERR_INVALID_SCHEDULE',
    `Job ${JSON.stringify(jobId)}: stored ${error.message}; fix it with updateJob`,
    { field: error.field, cause: error.cause },
  );
}

/** The error for an `every` schedule whose interval or anchor does not hold up. */
export function invalidEvery(schedule: { everyMs: unknown; anchor: unknown }): CronhookError {
  const { everyMs, anchor } = schedule;
  if (!(typeof everyMs === 'number' && everyMs > 0 && Number.isFinite(everyMs)))
    return invalidStored(
      'schedule.everyMs',
      `is ${describeValue(everyMs)}; expected a positive number of ms`,
    );
  return invalidStored('schedule.anchor', `is ${describeValue(anchor)}; expected an ISO-8601 string`);
}

/** The error for an `at` schedule whose instant does not parse. */
export function invalidAt(at: unknown): CronhookError {
  return invalidStored('schedule.at', `is ${describeValue(at)}; expected an ISO-8601 string`);
}

const FIELDS_5 = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;
const FIELDS_6 = ['second', ...FIELDS_5] as const;

const ALLOWED: Record<(typeof FIELDS_6)[number], string> = {
  second: '0-59',
  minute: '0-59',
  hour: '0-23',
  'day of month': '1-31 or L',
  month: '1-12 or JAN-DEC',
  'day of week': '0-7 or SUN-SAT (0 and 7 are Sunday), n#k, nL',
};

const ALIASES =
  '@yearly, @annually, @monthly, @weekly, @daily, @hourly, @minutely, @secondly, @weekdays, @weekends';

/**
 * Explains why `cron` does not parse, naming the offending field and what it allows. Runs only on the error
 * path: each field is tried alone, with `*` in the others.
 */
export function describeCronError(cron: string, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  if (cron.startsWith('@')) return `${reason}; the aliases are ${ALIASES}`;
  const parts = cron.split(' ');
  const names = parts.length === 6 ? FIELDS_6 : FIELDS_5;
  for (let i = 0; i < parts.length; i++) {
    const probe = parts.map((part, j) => (j === i ? part : '*')).join(' ');
    try {
      CronExpressionParser.parse(probe, { tz: 'UTC', strict: false });
    } catch (fieldError) {
      const message = fieldError instanceof Error ? fieldError.message : String(fieldError);
      const name = names[i]!;
      return `${name} field ${JSON.stringify(parts[i]!.slice(0, 40))}: ${message}; allowed ${ALLOWED[name]}, with *, ranges a-b, steps /n and lists`;
    }
  }
  return `each field is valid alone, but together they match no date (${reason})`;
}
