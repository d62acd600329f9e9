import { CronhookError } from '../../../errors.js';
import type { RunRecord } from '../../../storage/types.js';
import type { HandlerTarget, JobContext, JobHandler } from '../../types.js';
import { FinalFailure, isThenable, raceAbort, safeJson } from './attempt-outcome.js';
import { truncateUtf8 } from './http-call.js';

/**
 * One attempt of a handler job: calls the handler registered under the target's name (a name with none fails
 * the run at once, without retries) and keeps what it returns on the run, as an HTTP job keeps its response.
 * Not an async function: the handler is called in this tick, and a synchronous handler's attempt settles
 * without a promise of its own (a burst of thousands of runs due at one instant calls every handler first).
 * A handler that throws synchronously throws here too.
 */
export function callHandler(
  handlers: ReadonlyMap<string, JobHandler>,
  target: HandlerTarget,
  argument: JobContext,
  run: RunRecord,
): Promise<void> {
  const handler = handlers.get(target.handler);
  if (!handler) {
    return Promise.reject(
      new FinalFailure(
        new CronhookError(
          'ERR_HANDLER_NOT_FOUND',
          `No handler named ${JSON.stringify(target.handler)}; register it with scheduler.handle()`,
        ),
      ),
    );
  }
  const signal = argument.signal;
  const value = handler(argument);
  // A synchronous handler has finished: no promise to race against the signal.
  if (isThenable(value)) {
    return raceAbort(Promise.resolve(value), signal).then((result) => keepResult(run, result, signal));
  }
  keepResult(run, value, signal);
  return DONE;
}

/** A handler's result kept on its run, unless the attempt was aborted meanwhile. */
function keepResult(run: RunRecord, result: unknown, signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason;
  run.responseSnippet = result === undefined ? null : truncateUtf8(safeJson(result));
}

/** What a synchronous handler's attempt returns: settled already, shared (nothing is added to it). */
const DONE: Promise<void> = Promise.resolve();
