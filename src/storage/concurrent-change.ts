import { CronhookError } from '../errors.js';

/**
 * A change written only while the stored record is still as read (`replaceJob`, `replaceEndpoint`) that
 * loses the race to another write is read and applied again, this often at most.
 */
export const CHANGE_ATTEMPTS = 10;

/**
 * The `updatedAt` an attempt outcome's endpoint changes leave stored (`CompleteAttemptInput.endpoint`): theirs,
 * stamped from the endpoint the attempt read, but always past the stored one. A change of the endpoint read
 * after a newer write than the attempt's copy then still sees the outcome (`replaceEndpoint` on `updatedAt`)
 * and applies itself again, even when the newer write, the outcome and that read share one millisecond.
 * The stored `updatedAt` when the changes carry none.
 */
export function outcomeStamp(stored: Date, changes: { updatedAt?: Date }): Date {
  if (changes.updatedAt === undefined) return stored;
  return new Date(Math.max(changes.updatedAt.getTime(), stored.getTime() + 1));
}

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
