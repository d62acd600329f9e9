import type { Clock } from '../../../clock.js';
import { CronhookError } from '../../../errors.js';
import type { Emitter } from '../../../events.js';
import type { Logger } from '../../../scheduler/types.js';
import type { Storage } from '../../../storage/types.js';
import type { DeliveryHook, NotifierHooks } from '../../../telemetry/hooks.js';
import { tracedSend } from '../../../telemetry/hooks.js';
import type {
  AddressPolicy,
  Transport,
  TransportRequest,
  TransportResponse,
} from '../../../transport/types.js';
import { VERSION } from '../../../version.js';
import type { ResolvedNotifierOptions } from '../../options.js';
import { activeSecrets, signatureHeaders } from '../../signing/signatures.js';
import { SigningKeys } from '../../signing/signing-keys.js';
import type {
  DeliveryAttempt,
  DeliveryRecord,
  EndpointRecord,
  Message,
  NotifierEvents,
} from '../../types.js';
import { attemptOutcome, isManualTrigger } from './attempt-outcome.js';
import { attemptRecord } from './attempt-record.js';
import { reportAttempt } from './attempt-report.js';
import { CheckedEndpoints } from './checked-endpoints.js';
import { EndpointRequests } from './endpoint-requests.js';
import { RecentMessage } from './recent-message.js';
import { StoredEndpoints } from './stored-endpoints.js';

/** Why an attempt is made; manual ones (ping, redeliver) never schedule automatic retries. */
export type AttemptTrigger = DeliveryAttempt['trigger'];

const USER_AGENT = `cronhook/${VERSION}`;

export interface DelivererDeps {
  storage: Storage;
  transport: Transport;
  clock: Clock;
  options: ResolvedNotifierOptions;
  emitter: Emitter<NotifierEvents>;
  logger: Logger | undefined;
  random?: () => number;
  /** Telemetry hooks; null (or absent) when telemetry is off. */
  telemetry?: NotifierHooks | null;
}

/**
 * Told how an attempt goes (an object rather than callbacks: no closure per attempt). With `failed` and `over`,
 * `deliver()` never rejects: the dispatcher launches attempts without an async function of its own around
 * each (its frame, promise and await were ~0.6 KB of garbage per delivery).
 */
export interface AnswerWatcher {
  /** The attempt's request is over (answered, failed or not made), before the attempt is stored. */
  answered(): void;
  /** The attempt failed with `error` (storage trouble, an undecryptable secret): `deliver()` resolves null. */
  failed?(error: unknown): void;
  /** The attempt is over: stored, handed back, or failed (after `failed`). */
  over?(): void;
}

/**
 * Makes one attempt of one delivery: signs, sends, records the attempt and the delivery's next state in one
 * storage write, then emits events. Shared by the dispatcher (automatic attempts) and by ping/redeliver.
 */
export class Deliverer {
  readonly #deps: DelivererDeps;
  readonly #keys = new SigningKeys();
  readonly #checked = new CheckedEndpoints();
  /** One object for every request, so a transport can remember what it compiled from it. */
  readonly #addressPolicy: AddressPolicy;
  /** The endpoint an attempt reads, and the one its outcome left. */
  readonly #endpoints: StoredEndpoints;
  /** The message read last: the next attempts of a fan-out's deliveries send it too. */
  readonly #message = new RecentMessage();
  /** Endpoints' requests checked once per record (see EndpointRequests); null: the transport checks each. */
  readonly #requests: EndpointRequests | null;

  constructor(deps: DelivererDeps) {
    this.#deps = deps;
    this.#endpoints = new StoredEndpoints(deps.storage);
    this.#requests = EndpointRequests.through(deps.transport);
    this.#addressPolicy = {
      allowPrivateNetworks: deps.options.allowPrivateNetworks,
      allow: deps.options.allow,
    };
  }

  /**
   * Attempts `delivery` now. Returns null, having released the lease, when an automatic attempt finds its
   * endpoint disabled: such deliveries wait until the endpoint is enabled again. `watcher.answered()` is called
   * once the request is over (answered, failed or not made), before the attempt is stored; a watcher with
   * `failed` is told of a failure instead of this rejecting (see AnswerWatcher).
   */
  async deliver(
    delivery: DeliveryRecord,
    trigger: AttemptTrigger,
    signal?: AbortSignal,
    watcher?: AnswerWatcher,
  ): Promise<DeliveryAttempt | null> {
    const { storage, clock } = this.#deps;
    try {
      const read = this.#endpoints.read(delivery.endpointId);
      const messageId = delivery.messageId;
      const messageRead = this.#message.read(storage, messageId);
      let endpoint: Readonly<EndpointRecord> | null;
      let message: Message | null;
      try {
        if (read instanceof Promise) [endpoint, message] = await Promise.all([read, messageRead]);
        else {
          // No pair array for the usual case, an endpoint peeked without I/O.
          endpoint = read;
          message = messageRead instanceof Promise ? await messageRead : messageRead;
        }
      } catch (error) {
        this.#message.found(messageId, null);
        throw error;
      }
      this.#message.found(messageId, message);
      if (endpoint !== null && !endpoint.enabled && !isManualTrigger(trigger)) {
        await storage.updateDelivery({ ...delivery, lockedBy: null, lockedUntil: null });
        return null;
      }
      // A secret still encrypted (no key, or the wrong one) is never sent as if it were the secret, and no
      // attempt is spent: this rejects with ERR_ENCRYPTION_KEY and the delivery waits for its lease to run out.
      const startedAt = clock.now();
      const peeked = this.#endpoints.peeked !== null;
      if (endpoint !== null) this.#checked.requireOpened(endpoint, startedAt, peeked);
      const hook = this.#deps.telemetry?.deliveryStarted(delivery, message, trigger) ?? null;
      let response: TransportResponse | null = null;
      let error: unknown = null;
      if (endpoint === null || message === null) {
        error = new CronhookError(
          endpoint === null ? 'ERR_ENDPOINT_NOT_FOUND' : 'ERR_STORAGE',
          endpoint === null
            ? `Endpoint ${delivery.endpointId} no longer exists`
            : `Message ${delivery.messageId} is missing from storage`,
        );
      } else {
        try {
          response = await this.#send(endpoint, message, startedAt, signal, hook);
        } catch (e) {
          error = e;
        }
      }
      watcher?.answered();
      // What the receiver echoes of the endpoint's authorization, headers or query is not kept.
      const secrets = response === null || endpoint === null ? [] : this.#checked.secrets(endpoint, peeked);
      const attempt = attemptRecord(delivery, trigger, startedAt, response, error, secrets, clock);
      const input = attemptOutcome(
        { delivery, endpoint, attempt, response, now: clock.now() },
        this.#deps.options,
        this.#deps.random,
      );
      if (hook === null) {
        if (storage.completeAttemptNow !== undefined) storage.completeAttemptNow(input);
        else await storage.completeAttempt(input);
        const stored =
          input.endpoint?.enabled === false ? await this.#endpoints.disabled(input.endpoint) : null;
        reportAttempt(this.#deps, this.#endpoints, input, endpoint, message, stored);
        return attempt;
      }
      let stored: EndpointRecord | null = null;
      try {
        await storage.completeAttempt(input);
        if (input.endpoint?.enabled === false) stored = await this.#endpoints.disabled(input.endpoint);
      } catch (failure) {
        hook.end(null, failure);
        throw failure;
      }
      // Logged inside the attempt's span, so log lines carry its trace and span ids.
      hook.within(() => reportAttempt(this.#deps, this.#endpoints, input, endpoint, message, stored));
      hook.end(input, null);
      return attempt;
    } catch (error) {
      if (watcher?.failed === undefined) throw error;
      watcher.failed(error);
      return null;
    } finally {
      watcher?.over?.();
    }
  }

  /** Not an async function: the transport's promise is returned as it is (throws before sending). */
  #send(
    endpoint: EndpointRecord,
    message: Message,
    now: number,
    signal: AbortSignal | undefined,
    hook: DeliveryHook | null,
  ): Promise<TransportResponse> {
    const requests = this.#requests;
    if (requests !== null && hook === null && this.#endpoints.peeked !== null) {
      let checked = requests.known(endpoint);
      if (checked === undefined) checked = this.#check(requests, endpoint, message, now);
      const headers = checked?.headersOf(this.#sign(endpoint, message, now, {})) ?? null;
      if (headers !== null) return requests.send(checked!, headers, message.body, signal);
    }
    const { clock, transport } = this.#deps;
    const request = this.#request(endpoint, message, now);
    const sendOptions = signal === undefined ? { clock } : { signal, clock };
    return tracedSend(transport, request, sendOptions, hook, endpoint.propagateTraceContext);
  }

  /**
   * The endpoint's checked request, made now. Apart from #send: a closure there would capture its arguments,
   * and V8 would make a context for them on every attempt, not only the first of a record.
   */
  #check(requests: EndpointRequests, endpoint: EndpointRecord, message: Message, now: number) {
    return requests.of(endpoint, message.id, () => this.#request(endpoint, message, now));
  }

  /** An attempt's request: the endpoint's URL and headers, then ours and the signed ones. */
  #request(endpoint: EndpointRecord, message: Message, now: number): TransportRequest {
    const headers: Record<string, string> = { ...endpoint.headers };
    if (endpoint.authorization !== null) headers.authorization = endpoint.authorization;
    // Ours are set last so that an endpoint's extra headers can never replace them.
    headers['content-type'] = 'application/json';
    headers['user-agent'] = USER_AGENT;
    this.#sign(endpoint, message, now, headers);
    return {
      url: endpoint.url,
      method: 'POST',
      headers,
      body: message.body,
      timeoutMs: this.#deps.options.attemptTimeoutMs,
      addressPolicy: this.#addressPolicy,
    };
  }

  /** Sets the attempt's signature headers in `headers` (see signatureHeaders) and returns it. */
  #sign(
    endpoint: EndpointRecord,
    message: Message,
    now: number,
    headers: Record<string, string>,
  ): Record<string, string> {
    return signatureHeaders(
      {
        endpointId: endpoint.id,
        messageId: message.id,
        now,
        body: message.body,
        secrets: activeSecrets(endpoint.secrets, now),
        scheme: this.#deps.options.signatureHeaders,
      },
      this.#keys,
      headers,
    );
  }
}
