import { CronhookError } from '../errors.js';

/**
 * A change written only while the stored record is still as read (`replaceJob`, `replaceEndpoint`) that
 * loses the race to another write is read and applied again, this often at most.
 */
export const CHANGE_ATTEMPTS = 10;

/** What else writes each kind of record, as the error names it. */
const OTHER_WRITERS = {
  job: 'a claim, a run, another change',
  endpoint: "an attempt's outcome, another change",
} as const;

/**
 * The `ERR_CONCURRENT_CHANGE` error of `operation` (e.g. `updateJob("nightly")`) when the stored `record`
 * changed between its read and its write each of {@link CHANGE_ATTEMPTS} times; nothing was written.
 */
export function concurrentChange(operation: string, record: keyof typeof OTHER_WRITERS): CronhookError {
  return new CronhookError(
    'ERR_CONCURRENT_CHANGE',
    `${operation}: the stored ${record} was changed by another write (${OTHER_WRITERS[record]}) between ` +
      `each of ${CHANGE_ATTEMPTS} reads and writes; nothing was written, try again`,
  );
}
