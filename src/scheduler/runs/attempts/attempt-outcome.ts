// What an attempt ends with: a failure (made an Error, final or retried after a backoff) or a handler's result.

import { CronhookError } from '../../../errors.js';
import type { JobRecord } from '../../../storage/types.js';
import type { AbortState } from '../../../transport/direct-abort.js';

/** A failure that ends the run at once, whatever attempts are left (a handler that is not registered). */
export class FinalFailure {
  constructor(readonly error: CronhookError) {}
}

/**
 * A write of the run between its attempts that storage refused with `ERR_LEASE_LOST` (see `Storage.updateRun`):
 * the run is no longer this instance's, so it ends here, without an outcome of its own. Apart from the
 * attempts' failures, so that it is not recorded as one.
 */
export class LostRun {
  constructor(readonly error: CronhookError) {}
}

/** `.catch` of a run write between attempts: a refused write becomes a {@link LostRun}. */
export function lostRunWrite(error: unknown): never {
  if (error instanceof CronhookError && error.code === 'ERR_LEASE_LOST') throw new LostRun(error);
  throw error;
}

/** The backoff before attempt `attempt + 1`: `minDelayMs * factor^(attempt-1)`, capped at `maxDelayMs`. */
export function retryDelay(job: JobRecord, attempt: number): number {
  const { minDelayMs, maxDelayMs, factor } = job.retry;
  return Math.min(maxDelayMs, Math.round(minDelayMs * factor ** (attempt - 1)));
}

/** A thrown value that is not an Error (`throw 'boom'`) becomes one, and is retried like any failure. */
export function asError(value: unknown): Error {
  if (value instanceof Error) return value;
  let text: string;
  try {
    text = String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return new CronhookError(
    'ERR_HANDLER_FAILED',
    `The handler threw a non-Error value: ${text.slice(0, 200)}`,
  );
}

/**
 * What the retry loop would make of a run's only attempt ending with `failure`: the run's abort reason when
 * it was aborted, the error of a failure that ends the run at once, or the failure as an Error.
 */
export function loneOutcome(failure: unknown, abort: AbortState): unknown {
  if (abort.aborted) return abort.reason;
  if (failure instanceof FinalFailure) return failure.error;
  return asError(failure);
}

// A handler's result: told apart, kept, and raced against the run's abort.

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

export function safeJson(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
