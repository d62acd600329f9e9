import { CronhookError } from '../errors.js';
import type { JobRecord } from '../storage/types.js';

/** A failure that ends the run at once, whatever attempts are left (a handler that is not registered). */
export class FinalFailure {
  constructor(readonly error: CronhookError) {}
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
export function loneOutcome(failure: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (failure instanceof FinalFailure) return failure.error;
  return asError(failure);
}
