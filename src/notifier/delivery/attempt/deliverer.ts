import type { Clock } from '../../../clock.js';
import { CronhookError } from '../../../errors.js';
import type { Emitter } from '../../../events.js';
import type { Logger } from '../../../scheduler/types.js';
import type { Storage } from '../../../storage/types.js';
import type { NotifierHooks } from '../../../telemetry/hooks.js';
import { tracedSend } from '../../../telemetry/hooks.js';
import type { AddressPolicy, Transport, TransportRequest } from '../../../transport/types.js';
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
import {
  AttemptInFlight,
  AttemptRecorder,
  type AttemptWatcher,
  AwaitedAttempt,
  fail,
} from './attempt-in-flight.js';
import { isManualTrigger } from './attempt-outcome.js';
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
 * Makes one attempt of one delivery: signs, sends, records the attempt and the delivery's next state in one
 * storage write, then emits events. Shared by the dispatcher (automatic attempts, {@link launch}) and by
 * ping/redeliver ({@link deliver}).
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
  readonly #recorder: AttemptRecorder;

  constructor(deps: DelivererDeps) {
    this.#deps = deps;
    this.#endpoints = new StoredEndpoints(deps.storage);
    this.#requests = EndpointRequests.through(deps.transport);
    this.#addressPolicy = {
      allowPrivateNetworks: deps.options.allowPrivateNetworks,
      allow: deps.options.allow,
    };
    this.#recorder = new AttemptRecorder(deps, this.#endpoints, this.#checked);
  }

  /**
   * Attempts `delivery` now and resolves with the attempt as stored, or null, having released the lease, when
   * an automatic attempt finds its endpoint disabled. Rejects when the attempt fails (storage trouble, an
   * undecryptable secret).
   */
  deliver(delivery: DeliveryRecord, trigger: AttemptTrigger): Promise<DeliveryAttempt | null> {
    return new Promise((resolve, reject) => {
      this.launch(delivery, trigger, undefined, new AwaitedAttempt(resolve, reject));
    });
  }

  /**
   * Attempts `delivery` now, telling `watcher` how it goes (see AttemptWatcher); never throws. An automatic
   * attempt that finds its endpoint disabled releases the lease and is done (null): such deliveries wait until
   * the endpoint is enabled again. Not an async function: with in-process storage an attempt whose endpoint
   * and message are at hand is sent in this call and recorded in the one that settles its request.
   */
  launch(
    delivery: DeliveryRecord,
    trigger: AttemptTrigger,
    signal: AbortSignal | undefined,
    watcher: AttemptWatcher,
  ): void {
    try {
      const read = this.#endpoints.read(delivery.endpointId);
      const messageRead = this.#message.read(this.#deps.storage, delivery.messageId);
      if (read instanceof Promise || messageRead instanceof Promise) {
        void this.#launchRead(delivery, trigger, signal, watcher, read, messageRead);
        return;
      }
      this.#message.found(delivery.messageId, messageRead);
      this.#start(delivery, trigger, signal, watcher, read, messageRead);
    } catch (error) {
      fail(watcher, error);
    }
  }

  /** {@link launch} once the endpoint and message are read. */
  async #launchRead(
    delivery: DeliveryRecord,
    trigger: AttemptTrigger,
    signal: AbortSignal | undefined,
    watcher: AttemptWatcher,
    read: Readonly<EndpointRecord> | null | Promise<EndpointRecord | null>,
    messageRead: Message | null | Promise<Message | null>,
  ): Promise<void> {
    const messageId = delivery.messageId;
    let endpoint: Readonly<EndpointRecord> | null;
    let message: Message | null;
    try {
      try {
        if (read instanceof Promise) [endpoint, message] = await Promise.all([read, messageRead]);
        else {
          endpoint = read;
          message = await messageRead;
        }
      } catch (error) {
        this.#message.found(messageId, null);
        throw error;
      }
      this.#message.found(messageId, message);
      this.#start(delivery, trigger, signal, watcher, endpoint, message);
    } catch (error) {
      fail(watcher, error);
    }
  }

  /** Sends the attempt (throws when it cannot be made: see requireOpened). */
  #start(
    delivery: DeliveryRecord,
    trigger: AttemptTrigger,
    signal: AbortSignal | undefined,
    watcher: AttemptWatcher,
    endpoint: Readonly<EndpointRecord> | null,
    message: Message | null,
  ): void {
    const { clock } = this.#deps;
    if (endpoint !== null && !endpoint.enabled && !isManualTrigger(trigger)) {
      void this.#release(delivery, trigger, watcher);
      return;
    }
    // A secret still encrypted (no key, or the wrong one) is never sent as if it were the secret, and no
    // attempt is spent: this throws ERR_ENCRYPTION_KEY and the delivery waits for its lease to run out.
    const startedAt = clock.now();
    const peeked = this.#endpoints.peeked !== null;
    if (endpoint !== null) this.#checked.requireOpened(endpoint, startedAt, peeked);
    const hook = this.#deps.telemetry?.deliveryStarted(delivery, message, trigger) ?? null;
    const sent = new AttemptInFlight(
      this.#recorder,
      delivery,
      trigger,
      startedAt,
      endpoint,
      message,
      peeked,
      hook,
      watcher,
    );
    if (endpoint === null || message === null) {
      const error = new CronhookError(
        endpoint === null ? 'ERR_ENDPOINT_NOT_FOUND' : 'ERR_STORAGE',
        endpoint === null
          ? `Endpoint ${delivery.endpointId} no longer exists`
          : `Message ${delivery.messageId} is missing from storage`,
      );
      sent.unanswered(error);
      return;
    }
    try {
      this.#send(sent, endpoint, message, signal);
    } catch (error) {
      sent.unanswered(error);
    }
  }

  /** An automatic attempt of a disabled endpoint's delivery is not made: its lease is released. */
  async #release(delivery: DeliveryRecord, trigger: AttemptTrigger, watcher: AttemptWatcher): Promise<void> {
    try {
      await this.#deps.storage.updateDelivery({ ...delivery, lockedBy: null, lockedUntil: null });
    } catch (error) {
      // Deleted meanwhile with its endpoint (disabled, then removed): dropped, as an attempt's would be.
      this.#recorder.failed(delivery, trigger, null, watcher, error);
      return;
    }
    watcher.over();
    watcher.done?.(null);
  }

  /**
   * Sends `sent`'s request; its outcome settles it (throws before sending). A checked endpoint request tells
   * the attempt itself how it ends (a ResponseTarget: no promise, no closure); any other, through the
   * transport's promise.
   */
  #send(
    sent: AttemptInFlight,
    endpoint: EndpointRecord,
    message: Message,
    signal: AbortSignal | undefined,
  ): void {
    const { startedAt: now, hook } = sent;
    const requests = this.#requests;
    if (requests !== null && hook === null && sent.peeked) {
      let checked = requests.known(endpoint);
      if (checked === undefined) checked = this.#check(requests, endpoint, message, now);
      const headers = checked?.headersOf(this.#sign(endpoint, message, now, {})) ?? null;
      if (headers !== null) {
        requests.send(checked!, headers, message.body, signal, sent);
        return;
      }
    }
    const { clock, transport } = this.#deps;
    const request = this.#request(endpoint, message, now);
    const sendOptions = signal === undefined ? { clock } : { signal, clock };
    tracedSend(transport, request, sendOptions, hook, endpoint.propagateTraceContext).then(
      (response) => sent.responded(response),
      (error: unknown) => sent.unanswered(error),
    );
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
