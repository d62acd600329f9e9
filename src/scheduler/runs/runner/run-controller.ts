import type { DirectAbort, ExchangeEnd } from '../../../transport/direct-abort.js';

/**
 * The abort controller of a run (and of each attempt of a job with retries). Its abort also ends the HTTP
 * request the transport put on it (see DirectAbort): the scheduler's HTTP requests are ended by their run's
 * stop, removal or timeout at once, with no listener on the signal.
 *
 * It keeps its own {@link aborted} and {@link reason}, which the runner and the transport read instead of
 * the signal's: Node makes a controller's signal on first use, and an HTTP job's run never needs one (its
 * request is ended through the controller), so it is made only for whoever asks for `signal` (a handler's
 * argument, telemetry's send, the retries' forwarding and delays).
 */
export class RunController extends AbortController implements DirectAbort {
  exchange: ExchangeEnd | null = null;
  /** Whether {@link abort} was called: the signal's `aborted`, without making the signal. */
  aborted = false;
  /** The first abort's reason, as the signal has it (an `AbortError` DOMException when none was given). */
  reason: unknown = undefined;

  override abort(reason?: unknown): void {
    // Only the first abort counts, as for the signal; its default reason is the signal's own.
    if (!this.aborted) {
      this.aborted = true;
      this.reason =
        reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    }
    super.abort(this.reason);
    const exchange = this.exchange;
    if (exchange === null) return;
    this.exchange = null;
    exchange.end('abort', this.reason);
  }

  /** Throws the abort's reason once aborted, as `signal.throwIfAborted()` does. */
  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }
}
