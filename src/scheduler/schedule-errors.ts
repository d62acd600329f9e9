import { CronhookError, describeValue } from '../errors.js';

// The ERR_INVALID_SCHEDULE errors: of a schedule given to addJob/updateJob, which name the job, and of a
// schedule read back from storage that does not compute, named after the job where there is one.

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
