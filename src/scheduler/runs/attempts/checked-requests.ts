import type { JobRecord, RunRecord } from '../../../storage/types.js';
import { type CheckedRequest, type CheckedSender, headerValueAt } from '../../../transport/checked-sender.js';
import { requestSecrets } from '../../../transport/echoed-secrets.js';
import { checkedSender } from '../../../transport/http.js';
import type { Transport, TransportResponse } from '../../../transport/types.js';
import type { HttpTarget } from '../../types.js';
import { isoTime } from '../records/run-records.js';
import type { ArmedAttempt } from './armed-attempt.js';
import { buildHttpRequest, type HttpRequestOptions } from './http-call.js';

/**
 * One HTTP job's request as the transport checked it, with what changes from run to run: the values of its
 * `idempotency-key` and `x-cronhook-scheduled-at` headers (the job's id and an ISO time, valid by making).
 */
export class CheckedJobRequest {
  readonly method: string;
  /** What a response must not keep (see requestSecrets): the job's own header values, its URL's secrets. */
  readonly secrets: readonly string[];
  readonly checked: CheckedRequest;
  readonly #jobId: string;
  readonly #timeoutMs: number;
  /** Where in `#checked.headers` the per-run values are. */
  readonly #keyAt: number;
  readonly #timeAt: number;

  constructor(job: JobRecord, target: HttpTarget, checked: CheckedRequest, timeoutMs: number) {
    this.#jobId = job.id;
    this.#timeoutMs = timeoutMs;
    this.checked = checked;
    this.method = checked.method;
    this.secrets = requestSecrets(target.url, target.headers);
    const headers = checked.headers;
    this.#keyAt = headerValueAt(headers, 'idempotency-key');
    this.#timeAt = headerValueAt(headers, 'x-cronhook-scheduled-at');
  }

  /** Whether both per-run headers are there to be set (building the request always adds them). */
  get complete(): boolean {
    return this.#keyAt > 0 && this.#timeAt > 0;
  }

  /** Whether this is `job`'s request, sent with `timeoutMs`. */
  fits(job: JobRecord, timeoutMs: number): boolean {
    return job.id === this.#jobId && timeoutMs === this.#timeoutMs;
  }

  /** The headers of `run`'s request: a copy of the checked ones with the run's scheduled time in them. */
  headersOf(run: RunRecord): string[] {
    const scheduledAt = isoTime(run.scheduledAt.getTime());
    const headers = this.checked.headers.slice();
    headers[this.#keyAt] = `${this.#jobId}:${scheduledAt}`;
    headers[this.#timeAt] = scheduledAt;
    return headers;
  }
}

/**
 * HTTP jobs' requests checked by the transport once per job record instead of on every run ("validate at the
 * door": a job's URL, method, headers and body were validated when it was saved, and only its run's scheduled
 * time changes between runs). Only for records that cannot change, the in-process storage's frozen ones
 * (`peekJob`), and for an {@link HttpTransport} whose `send` is its own; a signed job (its signature changes
 * every run) and a run under telemetry (its trace headers are set on the request) are sent as before.
 */
export class CheckedRequests {
  readonly #sender: CheckedSender;
  /** By target: a frozen record's target is its own object, gone with the record. */
  readonly #requests = new WeakMap<HttpTarget, CheckedJobRequest>();

  private constructor(sender: CheckedSender) {
    this.#sender = sender;
  }

  /** Checked requests through `transport`, or null when it is not one to send them (see the class). */
  static through(transport: Transport): CheckedRequests | null {
    const sender = checkedSender(transport);
    return sender === null ? null : new CheckedRequests(sender);
  }

  /**
   * The checked request of `job` for `run`, or null when it must be built and sent as a request of its own.
   * Throws as building the request or `send` would (e.g. a job header that cannot be decrypted).
   */
  of(
    job: JobRecord,
    target: HttpTarget,
    run: RunRecord,
    timeoutMs: number,
    options: Omit<HttpRequestOptions, 'timeoutMs'>,
  ): CheckedJobRequest | null {
    // Known: its target was frozen then, and is still.
    const known = this.#requests.get(target);
    if (known?.fits(job, timeoutMs)) return known;
    if (target.signingSecret !== undefined || !isFrozenTarget(target)) return null;
    const { userAgent, clock, addressPolicy } = options;
    const request = buildHttpRequest(job, target, run, { userAgent, clock, addressPolicy, timeoutMs });
    const checked = new CheckedJobRequest(job, target, this.#sender.check(request), timeoutMs);
    if (!checked.complete) return null;
    this.#requests.set(target, checked);
    return checked;
  }

  /**
   * Sends `run`'s request of `request` for `armed`, whose controller's abort ends it (see DirectAbort): no
   * signal is made for it. `deadline`: see CheckedSender.
   */
  send(
    request: CheckedJobRequest,
    run: RunRecord,
    armed: ArmedAttempt,
    deadline: boolean,
  ): Promise<TransportResponse> {
    return this.#sender.send(request.checked, request.headersOf(run), undefined, armed.controller, deadline);
  }
}

/** A target that cannot change: frozen, with its headers and body (a deep-frozen record's, see peekJob). */
function isFrozenTarget(target: HttpTarget): boolean {
  const { headers, body } = target;
  return (
    Object.isFrozen(target) &&
    (headers === undefined || Object.isFrozen(headers)) &&
    (typeof body !== 'object' || body === null || Object.isFrozen(body))
  );
}
