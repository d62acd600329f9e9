import { CronhookError, describeValue } from '../errors.js';

/** The `ERR_INVALID_JOB` error for one field of a job definition, naming the job and the field. */
export function bad(jobId: string, field: string, message: string): CronhookError {
  return new CronhookError('ERR_INVALID_JOB', `Job ${JSON.stringify(jobId)}: ${field} ${message}`, { field });
}

/** `value` when it is an integer from `min` to `max`, else an `ERR_INVALID_JOB` naming the field. */
export function intIn(jobId: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(jobId, field, `is ${describeValue(value)}; expected an integer from ${min} to ${max}`);
  }
  return value;
}

/** A deep JSON copy of `value`, or a CronhookError naming the field when it has no JSON form (cycles, BigInt). */
export function jsonCopy<T>(jobId: string, field: string, value: T): T {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    throw bad(jobId, field, 'is not JSON-serializable (a cycle, a BigInt or a throwing toJSON)');
  }
  if (text === undefined) throw bad(jobId, field, `is ${describeValue(value)}; expected JSON data`);
  return JSON.parse(text) as T;
}
