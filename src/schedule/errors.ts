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
const KNOWN_ALIASES = new Set(ALIASES.split(', '));

/**
 * Explains why `cron` does not parse, naming the offending field and what it allows. Runs only on the error
 * path: syntax cronhook does not support is named first; otherwise each field is tried alone, with `*` in the
 * others.
 */
export function describeCronError(cron: string, error: unknown): string {
  const unsupported = unsupportedCronSyntax(cron);
  if (unsupported !== undefined) return unsupported;
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

/** The hint for an expression with a field too many: cron has no year field here. */
export const YEAR_FIELD_HINT = 'a year field is not supported (use startAt and endAt to bound a job in time)';

/**
 * Names the cron syntax of other dialects that cronhook refuses (Jenkins' `H`, Quartz's `W`, `L-n`, a year
 * field, `#` in a list, `@reboot`), or undefined when there is none. cron-parser would call some of these
 * invalid characters, and accepts `H` (drawn at random in each process, so instances sharing storage would
 * disagree on fire times).
 */
export function unsupportedCronSyntax(cron: string): string | undefined {
  if (cron.startsWith('@')) {
    const alias = cron.toLowerCase();
    if (KNOWN_ALIASES.has(alias)) return undefined;
    if (alias === '@reboot')
      return `@reboot (at start-up) is not supported: run start-up work in your app; the aliases are ${ALIASES}`;
    const hint = alias.startsWith('@every') ? " (for intervals use { every: '5m' })" : '';
    return `unknown alias ${JSON.stringify(cron.slice(0, 40))}${hint}; the aliases are ${ALIASES}`;
  }
  const parts = cron.split(' ');
  if (parts.length === 7) return YEAR_FIELD_HINT;
  const names = parts.length === 6 ? FIELDS_6 : FIELDS_5;
  for (let i = 0; i < parts.length && i < names.length; i++) {
    const name = names[i]!;
    // Month and weekday names are letters too: only what is left once they are gone can be H or W.
    const field = parts[i]!.toLowerCase();
    const letters = field.replace(/[a-z]{3}/g, '');
    if (letters.includes('h'))
      return `hashed values (H) in the ${name} field are not supported: they would differ between instances; use jitterMs to spread start times`;
    if (name === 'day of month' && letters.includes('w'))
      return 'W (nearest weekday) in the day of month field is not supported';
    if (name === 'day of month' && /l-/.test(field))
      return 'L-n (days before the last day) in the day of month field is not supported; L alone is';
    if (name === 'day of week' && field.includes('#') && /[,/-]/.test(field))
      return '# combined with a list, range or step in the day of week field is not supported; use one job per n#k';
  }
  // "0 0 1 1 * 2027": five fields and a year, read as six fields second first.
  if (parts.length === 6 && /^\d{4}$/.test(parts[5]!)) return YEAR_FIELD_HINT;
  return undefined;
}
