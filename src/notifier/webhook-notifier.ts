import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { Emitter } from '../events.js';
import { appLogger } from '../logger.js';
import { MemoryStorage } from '../storage/memory/index.js';
import type { Storage } from '../storage/types.js';
import { notifierHooks } from '../telemetry/notifier-telemetry.js';
import { HttpTransport } from '../transport/http.js';
import type { Transport } from '../transport/types.js';
import { NotifierCore } from './core.js';
import type { ReplayOptions } from './delivery/delivery-log.js';
import type { RotateSecretOptions } from './endpoints/secret-rotation.js';
import {
  type ResolvedNotifierOptions,
  validateNotifierOptions,
  type WebhookNotifierOptions,
} from './options.js';
import type {
  DeliveryAttempt,
  DeliveryDetails,
  DeliveryPage,
  DeliveryQuery,
  Endpoint,
  EndpointInput,
  EndpointPatch,
  NotifierEvents,
  UpsertEndpointResult,
} from './types.js';

/**
 * Delivers the scheduler's job events, and the app's own, as signed Standard Webhooks to the endpoints the
 * app registers: stored first (a durable outbox), then sent with retries, a delivery log and rotatable
 * secrets.
 *
 * @example
 * const notifier = new WebhookNotifier({ scheduler, storage });
 * const { endpoint, secret } = await notifier.addEndpoint({
 *   url: 'https://example.com/hooks/cron',
 *   topics: ['job.execution.failed'],
 * });
 * await notifier.start();
 */
export class WebhookNotifier {
  readonly storage: Storage;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly #options: ResolvedNotifierOptions;
  readonly #emitter: Emitter<NotifierEvents>;
  readonly #core: NotifierCore;

  constructor(options: WebhookNotifierOptions = {}) {
    this.#options = validateNotifierOptions(options);
    this.storage = options.storage ?? new MemoryStorage();
    this.transport = options.transport ?? new HttpTransport();
    this.clock = options.clock ?? options.scheduler?.clock ?? systemClock;
    this.#emitter = new Emitter<NotifierEvents>(() => new Date(this.clock.now()));
    this.#core = new NotifierCore({
      storage: this.storage,
      transport: this.transport,
      clock: this.clock,
      options: this.#options,
      emitter: this.#emitter,
      logger: appLogger(options.logger),
      telemetry: notifierHooks(options.telemetry, this.clock),
    });
    // Subscribed from the start and awaited by the scheduler: a run is not marked finished until its
    // messages are stored, even before start() or after stop() (they are sent on the next start).
    if (options.scheduler) this.#core.listenTo(options.scheduler);
  }

  /** This instance's id in delivery leases. */
  get instanceId(): string {
    return this.#options.instanceId;
  }

  // Events

  /**
   * Subscribes to a notifier event; returns an unsubscribe function.
   * @example notifier.on('endpoint.disabled', (e) => alertOps(e.endpoint.url, e.reason));
   */
  on<K extends keyof NotifierEvents>(
    event: K,
    listener: (payload: NotifierEvents[K]) => unknown,
  ): () => void {
    return this.#emitter.on(event, listener);
  }

  off<K extends keyof NotifierEvents>(event: K, listener: (payload: NotifierEvents[K]) => unknown): void {
    this.#emitter.off(event, listener);
  }

  once<K extends keyof NotifierEvents>(
    event: K,
    listener: (payload: NotifierEvents[K]) => unknown,
  ): () => void {
    return this.#emitter.once(event, listener);
  }

  // Lifecycle

  /**
   * Makes sure storage is ready (as `scheduler.start()` does) and starts sending due deliveries, including
   * those stored before a restart. When storage is not ready it rejects and may be called again.
   * @example await notifier.start();
   */
  async start(): Promise<void> {
    await this.#core.start();
  }

  /**
   * Stops sending and waits for attempts in flight, aborting them after `timeoutMs` (they are retried
   * later). Job events keep being stored while stopped and are sent on the next start.
   * @default timeoutMs: attemptTimeoutMs
   * @example await notifier.stop({ timeoutMs: 5_000 });
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    await this.#core.stop(options.timeoutMs ?? this.#options.attemptTimeoutMs);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  // Endpoints

  /**
   * Registers an endpoint. The secret is returned here (and by {@link rotateSecret}) only: store it or give it
   * to the receiver now. With an `id` that exists it throws `ERR_DUPLICATE_ENDPOINT`, changing nothing.
   * @example
   * const { endpoint, secret } = await notifier.addEndpoint({ url, topics: ['job.*'], match: { metadata: { tenant: 'acme' } } });
   */
  async addEndpoint(input: EndpointInput): Promise<{ endpoint: Endpoint; secret: string }> {
    return this.#core.endpoints.add(input);
  }

  /**
   * Declares endpoint `input.id` (required here): creates it when there is none, changes it when the stored one
   * differs from the input, and leaves it alone when it is the same. For set-up code that runs at every start,
   * in every instance: instances calling it together end with one endpoint, created by one of them.
   *
   * The input is the whole endpoint: a field it omits gets its default (no description, topics `['*']`, …),
   * except `enabled`, which is compared only when given (an endpoint disabled for failing, or by an operator,
   * stays so), and the secret. Without `secret` the stored secrets are never touched, and a created endpoint
   * gets a generated one, returned to that call only; with `secret`, an endpoint whose current secret differs is
   * rotated to it (the previous one keeps signing for 24 h, so receivers can switch). Throws
   * `ERR_INVALID_ENDPOINT` naming the field, before anything is stored. A change is written as
   * {@link WebhookNotifier.updateEndpoint | updateEndpoint}'s is, and rejects with `ERR_CONCURRENT_CHANGE` in
   * the same case.
   * @example
   * const { endpoint, created, secret } = await notifier.upsertEndpoint({
   *   id: 'ops-alerts',
   *   url: 'https://ops.example.com/hooks/cron',
   *   topics: ['job.execution.failed'],
   * });
   * if (created) await vault.put('ops-alerts-webhook-secret', secret!); // shown to this call only
   */
  async upsertEndpoint(input: EndpointInput & { id: string }): Promise<UpsertEndpointResult> {
    return this.#core.endpoints.upsert(input);
  }

  /**
   * Changes some fields of an endpoint. `enabled: false` pauses it; its deliveries wait.
   *
   * The change never undoes what happened since the endpoint was read: it is written only while the stored
   * endpoint is still the one read, and when an attempt's outcome (a failing streak begun, the endpoint
   * disabled) or another instance's change came between, it is applied again to what is stored then. One
   * that loses 10 times in a row writes nothing and rejects with `ERR_CONCURRENT_CHANGE`: try it again.
   * `ERR_ENDPOINT_NOT_FOUND` when there is no endpoint `id`.
   * @example await notifier.updateEndpoint(id, { topics: ['job.*'], authorization: 'Bearer new-token' });
   */
  async updateEndpoint(id: string, patch: EndpointPatch): Promise<Endpoint> {
    return this.#core.endpoints.update(id, patch);
  }

  /**
   * Enables an endpoint (after `endpoint.disabled`, say); its waiting deliveries are sent. Written as
   * {@link WebhookNotifier.updateEndpoint | updateEndpoint}'s change is: after 10 lost writes in a row it
   * writes nothing and rejects with `ERR_CONCURRENT_CHANGE` (try it again).
   * @example notifier.on('endpoint.disabled', (e) => ticket(e.endpoint.id)); // later: await notifier.enableEndpoint(id)
   */
  async enableEndpoint(id: string): Promise<Endpoint> {
    return this.#core.endpoints.enable(id);
  }

  /**
   * Deletes an endpoint and its pending deliveries. False when there was none. Attempts of those deliveries
   * already under way (in flight or claimed ahead, on any instance) end without recording an outcome and raise
   * no `error` event: a `debug` log line each.
   * @example await notifier.removeEndpoint(endpoint.id);
   */
  async removeEndpoint(id: string): Promise<boolean> {
    return this.#core.endpoints.remove(id);
  }

  /**
   * The endpoint without its secrets, or null: header names without values, and the URL without its query
   * (`urlHidden` says what is left out; deliveries still go to the whole stored URL).
   * @example const endpoint = await notifier.getEndpoint(id);
   */
  async getEndpoint(id: string): Promise<Endpoint | null> {
    return this.#core.endpoints.get(id);
  }

  /**
   * Endpoints in creation order, as public views (see {@link WebhookNotifier.getEndpoint}); page with `after`
   * (the last id seen).
   * @example const page = await notifier.listEndpoints({ limit: 100, after: lastId });
   */
  async listEndpoints(options: { limit?: number; after?: string } = {}): Promise<Endpoint[]> {
    return this.#core.endpoints.list(options);
  }

  /**
   * Replaces the signing secret. The new one signs at once; the previous ones keep signing alongside it
   * until `graceMs` has passed, so receivers can switch without dropping a message. Written as
   * {@link WebhookNotifier.updateEndpoint | updateEndpoint}'s change is: after 10 lost writes in a row it
   * writes nothing and rejects with `ERR_CONCURRENT_CHANGE` (try it again; no secret was changed).
   * @example const { secret } = await notifier.rotateSecret(endpoint.id, { graceMs: 3_600_000 });
   */
  async rotateSecret(id: string, options: RotateSecretOptions = {}): Promise<{ secret: string }> {
    return this.#core.endpoints.rotateSecret(id, options);
  }

  /**
   * Sends a `webhook.ping` to the endpoint now (even a disabled one) and resolves with the attempt: the
   * library's "Test now". Not retried.
   * @example const { statusCode, error, durationMs } = await notifier.ping(endpoint.id);
   */
  async ping(endpointId: string): Promise<DeliveryAttempt> {
    return this.#core.manual.ping(endpointId);
  }

  /**
   * Sends the app's own event to every endpoint subscribed to `topic`, with the same signing, retries and
   * log as job events. Resolves with the message id (`webhook-id`) once the message is stored. `data` must
   * be JSON data (not undefined or a function) and the body at most 256 KiB, else `ERR_INVALID_OPTION` on
   * `data` and nothing is stored.
   * @example await notifier.publish('invoice.paid', { invoiceId: 'inv_1' });
   */
  async publish(topic: string, data: unknown): Promise<string> {
    return this.#core.publish(topic, data);
  }

  // Delivery log

  /**
   * Deliveries, newest first, filtered; page with `nextCursor`.
   * @example const { deliveries, nextCursor } = await notifier.listDeliveries({ endpointId, status: 'failed' });
   */
  async listDeliveries(query: DeliveryQuery = {}): Promise<DeliveryPage> {
    return this.#core.log.list(query);
  }

  /**
   * A delivery with its message and every attempt, or null.
   * @example const { attemptLog } = (await notifier.getDelivery(id))!;
   */
  async getDelivery(id: string): Promise<DeliveryDetails | null> {
    return this.#core.log.get(id);
  }

  /**
   * Sends a delivery again now, with the same `webhook-id`, and resolves with the attempt. Works for
   * succeeded and failed deliveries alike (a receiver lost the data, say).
   * @example const attempt = await notifier.redeliver(deliveryId);
   */
  async redeliver(deliveryId: string): Promise<DeliveryAttempt> {
    return this.#core.manual.redeliver(deliveryId);
  }

  /**
   * Puts the failed deliveries of a period back in the outbox, e.g. after a receiver's outage; each gets one
   * more attempt (recorded as `replay`). Resolves with how many were queued.
   * @example await notifier.replay({ endpointId, since: new Date(Date.now() - 86_400_000) });
   */
  async replay(options: ReplayOptions): Promise<number> {
    return this.#core.replay(options);
  }
}
