import type { LookupFunction } from 'node:net';
import { CronhookError } from '../errors.js';
import { VERSION } from '../version.js';
import type { CheckedRequest, CheckedSender, ResponseTarget } from './checked-sender.js';
import { Deadlines } from './deadlines.js';
import type { AbortState, DirectAbort } from './direct-abort.js';
import { Exchange, type ExchangeContext, tell } from './exchange.js';
import { type CompiledAddressPolicy, compileAddressPolicy } from './guard/address-guard.js';
import { guardedConnector, systemLookup } from './guard/guarded-connector.js';
import { toTransportError } from './http-errors.js';
import type { HttpTransportOptions } from './http-options.js';
import { integerOption, invalid, type ParsedUrls, prepareRequest } from './http-validation.js';
import { LateAbortWatch } from './late-abort-watch.js';
import { OriginPools } from './origin-pools.js';
import { SignalWatch } from './signal-watch.js';
import type { SendOptions, Transport, TransportRequest, TransportResponse } from './types.js';

export type { HttpTransportOptions };

const DEFAULT_TIMEOUT_MS = 30_000;

function stopped(): CronhookError {
  return new CronhookError('ERR_STOPPED', 'HttpTransport is closed');
}

let checkedSenders: (transport: HttpTransport) => CheckedSender;

/**
 * The checked sender of `transport` when it is an HttpTransport whose `send` is HttpTransport's own, else null:
 * a subclass or wrapper may change requests in its `send`, so it gets every request through it. Internal to
 * cronhook (not exported from the package): the scheduler checks an HTTP job's request once per job record.
 */
export function checkedSender(transport: Transport): CheckedSender | null {
  return transport instanceof HttpTransport && transport.send === HttpTransport.prototype.send
    ? checkedSenders(transport)
    : null;
}

// Policies are few in practice (one per notifier, one per job policy); the cap bounds a misuse.
const MAX_AGENTS = 32;

/**
 * The HTTP transport, on undici: pooled keep-alive connections, a connect timeout, a total timeout per
 * request (headers and body), a response body cap, no redirects followed (a 3xx is returned as it is),
 * and an address guard checked against the resolved address at connect time.
 *
 * @example
 * const transport = new HttpTransport({ connectTimeoutMs: 5_000 });
 * const response = await transport.send({ url: 'https://example.com/hook', body: '{}', timeoutMs: 10_000 });
 * await transport.close();
 */
export class HttpTransport implements Transport {
  readonly #connectTimeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #maxHeaderBytes: number;
  readonly #defaultPolicy: CompiledAddressPolicy;
  readonly #userAgent: string;
  readonly #lookup: LookupFunction;
  readonly #agents = new Map<string, OriginPools>();
  /** The policy and agent of the last request: requests in a row nearly always share them. */
  #lastPolicy: CompiledAddressPolicy | null = null;
  #lastAgent: OriginPools | null = null;
  readonly #parsedUrls: ParsedUrls = new Map();
  /**
   * The last string body sent and its bytes: undici encodes a string body for every request, and a webhook
   * message goes to each of its endpoints in a row (50 sends of one body at 50 endpoints), so it is encoded
   * once. Equal strings have equal bytes; undici only reads the Buffer.
   */
  #lastBody = '';
  #lastBodyBytes: Buffer | null = null;
  /** The requests' deadlines: one timer per millisecond of deadlines, not one per request. */
  readonly #deadlines = new Deadlines();
  /** What every exchange of this transport shares. */
  readonly #exchanges: ExchangeContext;
  #closed = false;
  /** Exchanges not settled yet: close() waits for them. */
  #live = 0;
  #idle: Promise<void> | null = null;
  #onIdle: (() => void) | null = null;
  readonly #settled = (): void => {
    if (--this.#live === 0 && this.#onIdle !== null) this.#onIdle();
  };

  constructor(options: HttpTransportOptions = {}) {
    if (options === null || typeof options !== 'object')
      throw invalid('options', options, 'an object of HttpTransportOptions');
    this.#connectTimeoutMs = integerOption('connectTimeoutMs', options.connectTimeoutMs, 10_000, 1);
    this.#maxResponseBytes = integerOption('maxResponseBytes', options.maxResponseBytes, 65_536, 0);
    this.#maxHeaderBytes = integerOption('maxHeaderBytes', options.maxHeaderBytes, 16_384, 1_024);
    this.#defaultPolicy = compileAddressPolicy(options.addressPolicy);
    const userAgent = options.userAgent ?? `cronhook/${VERSION}`;
    if (typeof userAgent !== 'string' || userAgent === '' || /[\r\n\0]/.test(userAgent))
      throw invalid('userAgent', userAgent, 'a non-empty string without line breaks');
    this.#userAgent = userAgent;
    if (options.lookup !== undefined && typeof options.lookup !== 'function')
      throw invalid('lookup', options.lookup, 'a function with the signature of dns.lookup');
    this.#lookup = options.lookup ?? systemLookup;
    this.#exchanges = {
      connectTimeoutMs: this.#connectTimeoutMs,
      maxResponseBytes: this.#maxResponseBytes,
      deadlines: this.#deadlines,
      // The callers' signals of requests still pending after a moment, one listener per signal.
      watch: new LateAbortWatch(),
      signals: new SignalWatch(),
      onSettled: this.#settled,
    };
  }

  /**
   * Sends one request and reads its response (body capped). Resolves for any status; rejects with a
   * `CronhookError` (`ERR_TIMEOUT`, `ERR_CONNECTION`, `ERR_DNS`, `ERR_INVALID_RESPONSE`,
   * `ERR_RESPONSE_TOO_LARGE`, `ERR_DESTINATION_BLOCKED`, `ERR_ABORTED`, `ERR_INVALID_OPTION`,
   * `ERR_STOPPED`) when there is no response. `options.signal` is watched once the request has been pending
   * for 2 ms (most requests to a nearby receiver are answered sooner and never add a listener to it): an abort
   * ends the request at once from then on, and one in those first 2 ms when the watch begins.
   *
   * @example
   * const { status, body } = await transport.send(
   *   { url: 'https://hooks.example.com/in', body: '{}', addressPolicy: { allowPrivateNetworks: false } },
   *   { signal: AbortSignal.timeout(5_000) },
   * );
   */
  send(request: TransportRequest, options: SendOptions = {}): Promise<TransportResponse> {
    try {
      if (this.#closed) throw stopped();
      const checked = this.#check(request);
      return this.#dispatch(checked, checked.headers, this.#bytes(checked.body), options?.signal)!;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A string body as bytes, encoded again only when it differs from the last one (see {@link #lastBody}). */
  #bytes(body: string | Buffer | undefined): string | Buffer | undefined {
    if (typeof body !== 'string' || body === '') return body;
    if (body !== this.#lastBody || this.#lastBodyBytes === null) {
      this.#lastBodyBytes = Buffer.from(body);
      this.#lastBody = body;
    }
    return this.#lastBodyBytes;
  }

  /** `request` checked (see prepareRequest), with its destination policy compiled: ready to dispatch. */
  #check(request: TransportRequest): CheckedRequest {
    const checked = prepareRequest(request, this.#userAgent, this.#parsedUrls) as CheckedRequest;
    checked.policy =
      request.addressPolicy === undefined
        ? this.#defaultPolicy
        : compileAddressPolicy(request.addressPolicy, 'request.addressPolicy');
    return checked;
  }

  /**
   * Sends a checked request with `headers` and `body` (its own, or others: see CheckedSender), its exchange
   * under its deadline and the caller's signal (or its `direct` abort, see CheckedSender). Throws, not rejects.
   * Returns the exchange's promise, or null when `target` is told the outcome instead (see ResponseTarget).
   */
  #dispatch(
    prepared: CheckedRequest,
    headers: string[],
    body: string | Buffer | undefined,
    signal: AbortSignal | undefined,
    direct: DirectAbort | null = null,
    deadline = true,
    target: ResponseTarget | null = null,
  ): Promise<TransportResponse> | null {
    if (this.#closed) throw stopped();
    const timeoutMs = prepared.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // A direct abort stands in for the signal (see DirectAbort): its own state says whether it came already.
    const abort: AbortState | undefined = direct ?? signal;
    if (abort?.aborted)
      throw toTransportError(abort.reason, {
        origin: prepared.origin,
        endedBy: 'abort',
        timeoutMs,
        connectTimeoutMs: this.#connectTimeoutMs,
      });
    const exchange = new Exchange(
      this.#exchanges,
      prepared.origin,
      timeoutMs,
      signal,
      direct,
      deadline,
      target,
    );
    this.#live++;
    this.#agentFor(prepared.policy).dispatch(
      {
        origin: prepared.origin,
        path: prepared.path,
        method: prepared.method,
        headers,
        body,
        // The exchange's deadline covers connect, headers and body; undici's idle timers would cut long jobs.
        headersTimeout: 0,
        bodyTimeout: 0,
      },
      exchange,
    );
    exchange.dispatched();
    return exchange.promise;
  }

  static {
    checkedSenders = (transport) => ({
      check: (request) => {
        const checked = transport.#check(request);
        // Encoded once: undici makes a Buffer of a string body for every request.
        if (typeof checked.body === 'string') checked.body = Buffer.from(checked.body);
        return checked;
      },
      send: ((checked, headers, signal, direct, deadline, body, target) => {
        try {
          const bytes = body === undefined ? checked.body : transport.#bytes(body);
          const sent = transport.#dispatch(checked, headers, bytes, signal, direct, deadline, target ?? null);
          return sent ?? undefined;
        } catch (error) {
          if (target === undefined) return Promise.reject(error);
          // Never before send returns (see ResponseTarget).
          queueMicrotask(() => tell(target, null, error));
          return undefined;
        }
      }) as CheckedSender['send'],
    });
  }

  /** Closes every pooled connection once requests in flight have finished; later sends fail. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#live > 0) {
      this.#idle ??= new Promise<void>((resolve) => {
        this.#onIdle = resolve;
      });
      await this.#idle;
    }
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    this.#lastPolicy = null;
    this.#lastAgent = null;
    this.#parsedUrls.clear();
    this.#lastBody = '';
    this.#lastBodyBytes = null;
    // Every send has settled: what undici still holds are idle connections and requests that ended at their
    // deadline or abort while still connecting (a stuck connect would otherwise hold close() until
    // connectTimeoutMs). Destroying drops both.
    await Promise.all(agents.map((pools) => pools.agent.destroy()));
  }

  /** Same as {@link close}, for `await using transport = new HttpTransport()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #agentFor(policy: CompiledAddressPolicy): OriginPools {
    if (policy === this.#lastPolicy) return this.#lastAgent!;
    const agent = this.#agents.get(policy.key) ?? this.#newAgent(policy);
    this.#lastPolicy = policy;
    this.#lastAgent = agent;
    return agent;
  }

  #newAgent(policy: CompiledAddressPolicy): OriginPools {
    // A connection opened under one policy must never serve a request under another: one pool each.
    const agent = new OriginPools({
      connect: guardedConnector({ policy, connectTimeoutMs: this.#connectTimeoutMs, lookup: this.#lookup }),
      maxHeaderSize: this.#maxHeaderBytes,
      allowH2: false,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    if (this.#agents.size >= MAX_AGENTS) {
      const [oldestKey, oldest] = this.#agents.entries().next().value as [string, OriginPools];
      this.#agents.delete(oldestKey);
      oldest.agent.close().catch(() => {});
    }
    this.#agents.set(policy.key, agent);
    return agent;
  }
}
