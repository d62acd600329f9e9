import type { AttemptHook } from '../../../telemetry/hooks.js';
import type { RunController } from '../runner/run-controller.js';
import { FinalFailure } from './attempt-outcome.js';
import { AttemptTimeout } from './attempt-timeouts.js';

/** An attempt under way: its timeout, the signal it runs under, and what its end needs. */
export class ArmedAttempt extends AttemptTimeout {
  declare readonly controller: RunController;
  /** The run's abort forwarded to the attempt's own controller (attempts of a job with retries). */
  forward: (() => void) | null = null;
  hook: AttemptHook | null = null;
  /** An HTTP attempt's method and what its response must not keep (null: worked out from the job), once sent. */
  method = 'POST';
  secrets: readonly string[] | null = null;

  constructor(controller: RunController, jobId: string, attempt: number, timeoutMs: number) {
    super(controller, jobId, attempt, timeoutMs);
  }

  /**
   * The signal the attempt runs under: its controller's (the run's own for a lone attempt), made when first
   * asked for (a handler's argument, telemetry's send). An HTTP job's checked request needs none: its
   * controller ends it (see RunController).
   */
  get signal(): AbortSignal {
    return this.controller.signal;
  }
}

/** What a failed attempt throws: the abort's reason once its controller has aborted (a timeout, a stop). */
export function attemptFailure(armed: ArmedAttempt, failure: unknown): unknown {
  const abort = armed.controller;
  const error = abort.aborted ? abort.reason : failure;
  armed.hook?.end(error instanceof FinalFailure ? error.error : error);
  return error;
}
