import { CronhookError } from '../../../errors.js';
import type { RunRecord } from '../../../storage/types.js';
import type { HandlerTarget, Job, JobHandler } from '../../types.js';
import { toPublicRun } from '../run-records.js';
import { FinalFailure, isThenable, raceAbort, safeJson } from './attempt-outcome.js';
import { truncateUtf8 } from './http-call.js';

/**
 * One attempt of a handler job: calls the handler registered under the target's name (a name with none fails
 * the run at once, without retries) and keeps what it returns on the run, as an HTTP job keeps its response.
 */
export async function callHandler(
  handlers: ReadonlyMap<string, JobHandler>,
  target: HandlerTarget,
  job: Job,
  run: RunRecord,
  attempt: number,
  signal: AbortSignal,
): Promise<void> {
  const handler = handlers.get(target.handler);
  if (!handler) {
    throw new FinalFailure(
      new CronhookError(
        'ERR_HANDLER_NOT_FOUND',
        `No handler named ${JSON.stringify(target.handler)}; register it with scheduler.handle()`,
      ),
    );
  }
  const value = handler({ job, run: toPublicRun(run), payload: target.payload, signal, attempt });
  // A synchronous handler has finished: no promise to race against the signal.
  const result = isThenable(value) ? await raceAbort(Promise.resolve(value), signal) : value;
  if (signal.aborted) throw signal.reason;
  run.responseSnippet = result === undefined ? null : truncateUtf8(safeJson(result));
}
