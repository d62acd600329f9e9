import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { bodyText } from './body-text.js';
import type { ResponseTarget } from './checked-sender.js';
import type { Deadlined, DeadlineGroup, Deadlines } from './deadlines.js';
import type { DirectAbort, ExchangeEnd } from './direct-abort.js';
import { type FailureContext, toTransportError } from './http-errors.js';
import type { LateAbortWatch, LateWatched } from './late-abort-watch.js';
import type { SignalWatch, SignalWatcher, SignalWatchers } from './signal-watch.js';
import type { TransportResponse } from './types.js';

/** What the exchanges of one transport share (made once per transport, not per request). */
export interface ExchangeContext {
  readonly connectTimeoutMs: number;
  /** Bytes of body kept; the first byte past it ends the exchange and closes the connection. */
  readonly maxResponseBytes: number;
  /** The transport's shared deadline timers. */
  readonly deadlines: Deadlines;
  /** When the transport's requests start to watch their callers' signals (see {@link LateAbortWatch}). */
  readonly watch: LateAbortWatch;
  /** The callers' signals watched, one listener each (see {@link SignalWatch}). */
  readonly signals: SignalWatch;
  /** Called once per exchange, when its promise settles. */
  readonly onSettled: () => void;
}

/**
 * One request and its response, as an undici dispatch handler: the body is collected straight from the
 * parser (no stream, no async iterator), capped at `maxResponseBytes`, and the whole exchange ends at its
 * deadline (`timeoutMs`, connecting included) or when the caller's signal aborts, whichever comes first. The
 * signal is watched only once the request is still pending after a couple of milliseconds (see
 * {@link LateAbortWatch}): an abort before then ends it when the watch begins. A caller that hands over its
 * {@link DirectAbort} ends the exchange from its own abort instead, at once, and its signal is never watched.
 *
 * Ending early settles the promise at once, even while undici is still connecting or waiting for a free
 * connection; the request is then aborted as soon as undici hands it a connection, and a connection that
 * was carrying it is closed, so nothing more is read.
 *
 * An exchange with a {@link ResponseTarget} tells it the outcome instead, and makes no promise.
 */
export class Exchange
  implements Dispatcher.DispatchHandler, Deadlined, LateWatched, SignalWatcher, ExchangeEnd
{
  /** Settles with the outcome; null when a target is told it instead. */
  readonly promise: Promise<TransportResponse> | null = null;
  #resolve: ((response: TransportResponse) => void) | null = null;
  #reject: ((error: unknown) => void) | null = null;
  readonly #target: ResponseTarget | null;
  /** Until {@link dispatched}: an outcome then (undici fails some requests at once) reaches a target later. */
  #dispatching = true;
  readonly #context: ExchangeContext;
  /** Origin only, for error messages (paths of webhook URLs often hold secrets). */
  readonly #origin: string;
  readonly #timeoutMs: number;
  /** The caller's signal, not aborted yet: watched once the request is still pending after a moment. */
  readonly #signal: AbortSignal | undefined;
  /** The caller's own abort, which ends this exchange itself (see {@link DirectAbort}); null: none. */
  readonly #direct: DirectAbort | null;
  readonly #started = performance.now();
  deadlineGroup: DeadlineGroup | null = null;
  watchPrev: SignalWatcher | null = null;
  watchNext: SignalWatcher | null = null;
  watchedBy: SignalWatchers | null = null;
  #controller: Dispatcher.DispatchController | null = null;
  #settled = false;
  #status = 0;
  /** Null until the response starts (an exchange costs no object it may not need: see #first). */
  #headers: Record<string, string> | null = null;
  /**
   * The body's first chunk, and the others when there are more: most answers come in one, and an empty array
   * per exchange (its backing store made at the first push) was ~0.2 KB of garbage per request.
   */
  #first: Buffer | null = null;
  #rest: Buffer[] | null = null;
  #size = 0;

  /**
   * `direct`: the caller's abort, which ends the exchange itself (its signal is then not watched). `deadline`:
   * false when the caller's abort comes once `timeoutMs` have passed, on Node's timers (its own timeout on the
   * system clock): the exchange then arms no deadline timer of its own. `target`: told the outcome, instead of
   * the promise (see {@link ResponseTarget}; the caller says when it has {@link dispatched} the request).
   */
  constructor(
    context: ExchangeContext,
    origin: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    direct: DirectAbort | null = null,
    deadline = true,
    target: ResponseTarget | null = null,
  ) {
    this.#context = context;
    this.#origin = origin;
    this.#timeoutMs = timeoutMs;
    this.#signal = signal;
    this.#direct = direct;
    this.#target = target;
    if (target === null)
      this.promise = new Promise((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
    if (deadline) context.deadlines.add(this, this.#started, timeoutMs);
    if (direct !== null) direct.exchange = this;
    else if (signal !== undefined) context.watch.add(this, this.#started);
  }

  /** The request is in undici's hands: its target, if any, is told the outcome from now on without delay. */
  dispatched(): void {
    this.#dispatching = false;
  }

  /** Still pending a moment after it was sent: the caller's signal is watched from now on. */
  watch(): void {
    const signal = this.#signal;
    if (this.#settled || signal === undefined) return;
    if (signal.aborted) {
      this.end('abort', signal.reason);
      return;
    }
    this.#context.signals.watch(signal, this);
  }

  /** The deadline passed (see {@link Deadlines}). */
  expire(): void {
    this.end('timeout', new DOMException('The operation timed out.', 'TimeoutError'));
  }

  /** The caller's signal aborted (see {@link SignalWatch}). */
  aborted(reason: unknown): void {
    this.end('abort', reason);
  }

  /** Ends the exchange for `reason` unless it is already over. */
  end(reason: 'timeout' | 'abort', cause: unknown): void {
    if (this.#settled) return;
    this.#fail(cause, reason);
    this.#controller?.abort(cause instanceof Error ? cause : new Error(`request ended: ${reason}`));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Ended while undici was still connecting or queueing: the request must not go out now.
    if (this.#settled) controller.abort(new Error('request ended before it was sent'));
    else this.#controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    // 1xx answers (100 Continue, 103 Early Hints) precede the real response.
    if (statusCode < 200) return;
    this.#status = statusCode;
    // undici parsed these into a fresh object with lower-cased names; repeated headers are joined in place.
    for (const name in headers) {
      const value = headers[name];
      if (typeof value !== 'string') {
        if (value === undefined) delete headers[name];
        else headers[name] = value.join(', ');
      }
    }
    this.#headers = headers as Record<string, string>;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    const room = this.#context.maxResponseBytes - this.#size;
    if (chunk.length > room) {
      this.#keep(chunk.subarray(0, room));
      this.#succeed(true);
      // Closes the connection: the rest of the body is never read.
      controller.abort(new Error('response body past maxResponseBytes discarded'));
      return;
    }
    this.#keep(chunk);
  }

  #keep(chunk: Buffer): void {
    if (this.#first === null) this.#first = chunk;
    else if (this.#rest === null) this.#rest = [chunk];
    else this.#rest.push(chunk);
    this.#size += chunk.length;
  }

  onResponseEnd(): void {
    if (!this.#settled) this.#succeed(false);
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    if (!this.#settled) this.#fail(error, undefined);
  }

  #succeed(truncated: boolean): void {
    this.#finish();
    const first = this.#first;
    const rest = this.#rest;
    const body =
      first === null
        ? ''
        : rest === null
          ? bodyText(first)
          : Buffer.concat([first, ...rest], this.#size).toString('utf8');
    this.#first = null;
    this.#rest = null;
    const response: TransportResponse = {
      status: this.#status,
      headers: this.#headers ?? {},
      body,
      bodyTruncated: truncated,
      durationMs: performance.now() - this.#started,
    };
    if (this.#target === null) this.#resolve!(response);
    else this.#tell(response, null);
  }

  #fail(error: unknown, endedBy: FailureContext['endedBy']): void {
    this.#finish();
    this.#first = null;
    this.#rest = null;
    const origin = this.#origin;
    const timeoutMs = this.#timeoutMs;
    const { connectTimeoutMs } = this.#context;
    const failure = toTransportError(error, { origin, endedBy, timeoutMs, connectTimeoutMs });
    if (this.#target === null) this.#reject!(failure);
    else this.#tell(null, failure);
  }

  /** Tells the target the outcome: later when undici settled it while still dispatching (see ResponseTarget). */
  #tell(response: TransportResponse | null, failure: unknown): void {
    const target = this.#target!;
    if (this.#dispatching) queueMicrotask(() => tell(target, response, failure));
    else tell(target, response, failure);
  }

  #finish(): void {
    this.#settled = true;
    if (this.deadlineGroup !== null) this.#context.deadlines.release(this);
    if (this.watchedBy !== null) this.#context.signals.unwatch(this);
    const direct = this.#direct;
    if (direct !== null && direct.exchange === this) direct.exchange = null;
    this.#context.onSettled();
  }
}

/**
 * Tells `target` the response, or else the failure. Called from undici's parser callbacks, where a throw would
 * be taken for the connection's fault: it is rethrown on a microtask instead (see ResponseTarget).
 */
export function tell(target: ResponseTarget, response: TransportResponse | null, failure: unknown): void {
  try {
    if (response !== null) target.responded(response);
    else target.unanswered(failure);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
