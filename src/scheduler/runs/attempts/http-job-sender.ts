import { type Clock, systemClock } from '../../../clock.js';
import type { JobRecord, RunRecord } from '../../../storage/types.js';
import { tracedSend } from '../../../telemetry/hooks.js';
import type { AddressPolicy, Transport, TransportResponse } from '../../../transport/types.js';
import type { HttpTarget } from '../../types.js';
import type { ArmedAttempt } from './armed-attempt.js';
import { CheckedRequests } from './checked-requests.js';
import { buildHttpRequest } from './http-call.js';

/** What sending an HTTP job's requests needs from the scheduler's options. */
export interface HttpJobSenderOptions {
  transport: Transport;
  clock: Clock;
  /** Address policy for HTTP jobs; undefined leaves it to the transport. */
  addressPolicy: AddressPolicy | undefined;
  userAgent: string;
}

/**
 * How an HTTP job's attempt becomes a request on the transport: checked once per job record when it can be
 * (in-process storage's frozen records, no telemetry on the attempt: see CheckedRequests), else built for the
 * run and sent through telemetry's `tracedSend`. Apart from the runner, which only arms and ends attempts.
 */
export class HttpJobSender {
  readonly #o: HttpJobSenderOptions;
  /** null when the transport does not take checked requests. */
  readonly #checked: CheckedRequests | null;
  /**
   * Whether a checked request needs a deadline timer of the transport's own: not when the attempt's timeout,
   * which aborts it, is a Node timer of the same length (on the system clock). On any other clock (a fake one
   * in tests) the request keeps its own, real-time deadline as well.
   */
  readonly #deadline: boolean;

  constructor(options: HttpJobSenderOptions) {
    this.#o = options;
    this.#checked = CheckedRequests.through(options.transport);
    this.#deadline = options.clock !== systemClock;
  }

  /**
   * Sends `run`'s request of `job` for `armed`, keeping its method and secrets on it for the check of the
   * response. `sharedJob`: `job` is the storage's own read-only record (`peekJob`).
   */
  send(
    job: JobRecord,
    target: HttpTarget,
    run: RunRecord,
    sharedJob: boolean,
    armed: ArmedAttempt,
  ): Promise<TransportResponse> {
    const { userAgent, clock, addressPolicy, transport } = this.#o;
    const hook = armed.hook;
    if (hook === null && sharedJob && this.#checked !== null) {
      const checked = this.#checked.of(job, target, run, armed.timeoutMs, this.#o);
      if (checked !== null) {
        armed.method = checked.method;
        armed.secrets = checked.secrets;
        return this.#checked.send(checked, run, armed, this.#deadline);
      }
    }
    const options = { userAgent, clock, addressPolicy, timeoutMs: armed.timeoutMs };
    const request = buildHttpRequest(job, target, run, options);
    armed.method = request.method ?? 'POST';
    const propagate = target.propagateTraceContext !== false;
    return tracedSend(transport, request, { signal: armed.signal, clock }, hook, propagate);
  }
}
