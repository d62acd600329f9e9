import type { CompiledAddressPolicy } from './address-guard.js';
import type { DirectAbort } from './direct-abort.js';
import type { PreparedRequest } from './http-validation.js';
import type { TransportRequest, TransportResponse } from './types.js';

// How the scheduler sends an HTTP job's request through an HttpTransport (see checkedSender in http.ts).

/**
 * A request checked by an HttpTransport, with its destination policy compiled; its body already
 * encoded when it is sent over and over (see {@link CheckedSender}).
 */
export interface CheckedRequest extends Omit<PreparedRequest, 'body'> {
  body: string | Buffer | undefined;
  policy: CompiledAddressPolicy;
}

/**
 * How a sender that makes the same request over and over (an HTTP job, run after run) sends without having
 * it checked every time: `check` it once (throws what `send` would reject with), then `send` it with `headers`:
 * a copy of its own in which only values known to be valid were replaced (see checkedSender in http.ts).
 * `send`'s `direct` is the controller of `signal`, whose abort ends the request itself (see DirectAbort);
 * `deadline`: false when that abort comes once the request's `timeoutMs` have passed, on Node's timers, so
 * the request needs no deadline timer of its own.
 */
export interface CheckedSender {
  check(request: TransportRequest): CheckedRequest;
  send(
    checked: CheckedRequest,
    headers: string[],
    signal: AbortSignal,
    direct: DirectAbort,
    deadline: boolean,
  ): Promise<TransportResponse>;
}
