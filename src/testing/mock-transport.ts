import type { Clock } from '../clock.js';
import { sleep, systemClock } from '../clock.js';
import { CronhookError, type CronhookErrorCode } from '../errors.js';
import { safeUrl } from '../transport/safe-url.js';
import type { SendOptions, Transport, TransportRequest, TransportResponse } from '../transport/types.js';

/** A scripted answer. `error` makes the send fail with that code instead of answering. */
export interface MockReply {
  /** @default 200 */
  status?: number;
  headers?: Record<string, string>;
  /** @default '' */
  body?: string;
  /** Wait this long on the transport's clock before answering (aborts and timeouts apply). */
  delayMs?: number;
  error?: CronhookErrorCode;
}

/** A request as recorded, with when it was sent. */
export interface RecordedRequest extends Required<Pick<TransportRequest, 'url' | 'method'>> {
  headers: Record<string, string>;
  body: string | undefined;
  timeoutMs: number | undefined;
  at: number;
}

export type MockResponder = (request: RecordedRequest, index: number) => MockReply | Promise<MockReply>;

export interface MockTransportOptions {
  /**
   * Clock for `delayMs` and `at`, for requests sent without one. The Scheduler and the WebhookNotifier send
   * theirs with every request (`SendOptions.clock`), so a transport attached to them needs none; give one when
   * you call `send()` yourself. It must then be the sender's clock, if the sender passes one.
   * @default the sender's clock, else systemClock
   * @example new MockTransport([{ status: 200, delayMs: 5_000 }], { clock: new FakeClock() })
   */
  clock?: Clock;
}

/**
 * A transport that records requests and answers from a script: a list (used in order, the last reply
 * repeating) or a function. Part of `cronhook/testing`. It keeps the time of the scheduler or notifier that
 * sends through it: with a FakeClock there, `at` and `delayMs` follow the fake time.
 *
 * @example
 * const transport = new MockTransport([{ status: 503 }, { status: 503 }, { status: 200 }]);
 * // ... run a job ...
 * expect(transport.requests).toHaveLength(3);
 */
export class MockTransport implements Transport {
  readonly requests: RecordedRequest[] = [];
  #responder: MockResponder;
  readonly #clock: Clock | undefined;

  /** @param script replies in order (the last repeats), or a function of the request. @default 200 always */
  constructor(script: MockReply[] | MockResponder = [], options: MockTransportOptions = {}) {
    this.#responder = toResponder(script);
    this.#clock = options.clock;
  }

  /** Replaces the script. */
  reply(script: MockReply[] | MockResponder): this {
    this.#responder = toResponder(script);
    return this;
  }

  /** Requests sent to URLs starting with `prefix`. */
  requestsTo(prefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.url.startsWith(prefix));
  }

  async send(request: TransportRequest, options: SendOptions = {}): Promise<TransportResponse> {
    const clock = this.#clockFor(options.clock);
    const recorded: RecordedRequest = {
      url: request.url,
      method: request.method ?? 'POST',
      headers: Object.fromEntries(
        Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
      ),
      body: request.body,
      timeoutMs: request.timeoutMs,
      at: clock.now(),
    };
    const index = this.requests.push(recorded) - 1;
    // Named as HttpTransport names it in errors, which are stored on runs and sent in webhooks: the origin
    // only, never the credentials, path or query of the URL.
    const target = safeUrl(request.url, { path: false }) || 'a URL that does not parse';
    const started = clock.now();
    const reply = await this.#responder(recorded, index);
    if (reply.delayMs !== undefined && reply.delayMs > 0) {
      const timeout = request.timeoutMs ?? 30_000;
      try {
        await sleep(clock, Math.min(reply.delayMs, timeout), options.signal);
      } catch (error) {
        throw new CronhookError('ERR_ABORTED', `Request to ${target} was aborted`, { cause: error });
      }
      if (reply.delayMs > timeout) {
        throw new CronhookError('ERR_TIMEOUT', `Request to ${target} timed out after ${timeout} ms`);
      }
    }
    if (options.signal?.aborted) throw new CronhookError('ERR_ABORTED', `Request to ${target} was aborted`);
    if (reply.error) throw new CronhookError(reply.error, `Mock ${reply.error} for ${target}`);
    return {
      status: reply.status ?? 200,
      headers: Object.fromEntries(Object.entries(reply.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
      body: reply.body ?? '',
      bodyTruncated: false,
      durationMs: clock.now() - started,
    };
  }

  /** The sender's clock, or ours; two different ones would record times the test cannot compare. */
  #clockFor(sender: Clock | undefined): Clock {
    const own = this.#clock;
    if (own !== undefined && sender !== undefined && own !== sender) {
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        'MockTransport: its clock option is not the clock of the scheduler or notifier sending through it; pass the same clock to both, or none to the MockTransport',
        { field: 'clock' },
      );
    }
    return sender ?? own ?? systemClock;
  }
}

function toResponder(script: MockReply[] | MockResponder): MockResponder {
  if (typeof script === 'function') return script;
  const replies = [...script];
  return (_request, index) => replies[Math.min(index, replies.length - 1)] ?? { status: 200 };
}
