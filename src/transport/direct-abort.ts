/** What ends an exchange before its response comes: its deadline, or its caller's abort. */
export interface ExchangeEnd {
  /** Ends the exchange for `reason` unless it is over already (see Exchange.end). */
  end(reason: 'timeout' | 'abort', cause: unknown): void;
}

/** Whether something was aborted and why: what an `AbortSignal` says, read without one. */
export interface AbortState {
  readonly aborted: boolean;
  /** The abort's reason; meaningful once `aborted`. */
  readonly reason: unknown;
}

/**
 * A caller's abort that ends its request itself, at once, instead of the request listening to its signal.
 * An abort listener costs about a microsecond on Node's EventTarget, so a request's signal is otherwise only
 * watched once the request has been pending a while (see LateAbortWatch), which costs a queue entry, a
 * shared timer and, for each request still pending then, its place among its signal's watched requests (one
 * listener per signal, see SignalWatch). A caller whose
 * controller is its own (the scheduler's runs) hands it over instead: the transport puts the request's
 * exchange on it while the request is pending, and the controller's `abort` ends it. Its own `aborted` and
 * `reason` are read for an abort that came before the request was sent, so the caller needs no signal at
 * all. Internal to cronhook (see CheckedSender).
 */
export interface DirectAbort extends AbortState {
  /** The exchange of the request under way, set by the transport until it settles. */
  exchange: ExchangeEnd | null;
}
