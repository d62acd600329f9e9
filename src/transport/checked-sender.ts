import type { DirectAbort } from './direct-abort.js';
import type { CompiledAddressPolicy } from './guard/address-guard.js';
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
 * How a sender that makes the same request over and over (an HTTP job, run after run; a webhook endpoint,
 * attempt after attempt) sends without having it checked every time: `check` it once (throws what `send` would
 * reject with), then `send` it with `headers`: a copy of its own in which only values known to be valid were
 * replaced (see checkedSender in http.ts). `send`'s `direct` is the caller's own abort, which ends the request
 * itself and stands in for `signal` (see DirectAbort; the signal is then not read), or null: the signal, if any,
 * is watched as `send` watches it; `deadline`:
 * false when that abort comes once the request's `timeoutMs` have passed, on Node's timers, so the request
 * needs no deadline timer of its own. `body`: the request's own body when it is not the checked one (a
 * webhook's message), sent as `send` would send it.
 */
export interface CheckedSender {
  check(request: TransportRequest): CheckedRequest;
  send(
    checked: CheckedRequest,
    headers: string[],
    signal: AbortSignal | undefined,
    direct: DirectAbort | null,
    deadline: boolean,
    body?: string,
  ): Promise<TransportResponse>;
  /** As above, the outcome told to `target` instead of a promise (see {@link ResponseTarget}). */
  send(
    checked: CheckedRequest,
    headers: string[],
    signal: AbortSignal | undefined,
    direct: DirectAbort | null,
    deadline: boolean,
    body: string | undefined,
    target: ResponseTarget,
  ): void;
}

/**
 * Told how a request sent through a {@link CheckedSender} ends, instead of a promise: a sender that makes a
 * request per delivery continues from here without a promise, its two resolvers and an await per request
 * (~0.3 KB of garbage and a microtask). Exactly one method is called, once, never before `send` returns
 * (what fails before the request is dispatched is told on a microtask), with what the promise would have
 * resolved or rejected with. It runs inside whatever ended the request: undici's response callbacks, the
 * deadline's timer, the signal's abort event, or the caller's own `DirectAbort.abort()` call. A method should not throw: what it throws is rethrown on a microtask, as an
 * uncaught exception (as a `.then` callback's throw would be an unhandled rejection).
 */
export interface ResponseTarget {
  /** The response (any status). */
  responded(response: TransportResponse): void;
  /** No response: a `CronhookError` (timeout, connection, abort, ...), as `send` rejects with. */
  unanswered(error: unknown): void;
}

/**
 * Where the value of header `name` is in a checked request's flat name/value list, or -1: searched among the
 * names only, since a header of the caller's own may have that name as its value.
 */
export function headerValueAt(headers: readonly string[], name: string): number {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return i + 1;
  return -1;
}
