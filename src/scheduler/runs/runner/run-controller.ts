import type { DirectAbort, ExchangeEnd } from '../../../transport/direct-abort.js';

/**
 * The abort controller of a run (and of each attempt of a job with retries). Its abort also ends the HTTP
 * request the transport put on it (see DirectAbort): the scheduler's HTTP requests are ended by their run's
 * stop, removal or timeout at once, with no listener on the signal.
 */
export class RunController extends AbortController implements DirectAbort {
  exchange: ExchangeEnd | null = null;

  override abort(reason?: unknown): void {
    super.abort(reason);
    const exchange = this.exchange;
    if (exchange === null) return;
    this.exchange = null;
    exchange.end('abort', this.signal.reason);
  }
}
