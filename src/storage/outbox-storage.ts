import type { DeliveryAttempt, DeliveryRecord, EndpointRecord, Message } from '../notifier/types.js';
import type {
  ClaimDeliveriesOptions,
  CompleteAttemptInput,
  FanoutInput,
  ListDeliveriesOptions,
  PruneDeliveriesInput,
} from './outbox-types.js';

/**
 * The webhook notifier's side of `Storage` (types.ts): endpoints, messages, deliveries and their
 * attempts. Part of that one interface, not an adapter's contract of its own: `Storage` extends it.
 */
export interface OutboxStorage {
  // Endpoints
  /** Throws `ERR_DUPLICATE_ENDPOINT` when the id exists (the stored endpoint is unchanged). */
  insertEndpoint(endpoint: EndpointRecord): Promise<void>;
  /** Throws `ERR_ENDPOINT_NOT_FOUND`. */
  updateEndpoint(endpoint: EndpointRecord): Promise<void>;
  /**
   * Replaces an endpoint as `updateEndpoint` does, but only while its stored `updatedAt` is still
   * `expectedUpdatedAt`: true when it did, false, changing nothing, when it was changed meanwhile (an attempt's
   * outcome included) or is gone. Atomic, for `notifier.upsertEndpoint` from several instances at once.
   * Optional: without it upsertEndpoint falls back on `updateEndpoint`.
   */
  replaceEndpoint?(endpoint: EndpointRecord, expectedUpdatedAt: Date): Promise<boolean>;
  getEndpoint(id: string): Promise<EndpointRecord | null>;
  /**
   * The endpoint for an attempt of a delivery this process claimed and still leases: the notifier reads each
   * attempt's endpoint with it. It may answer with the endpoint row the claim that leased the delivery read,
   * at most one lease old (a change made through another process meanwhile reaches only deliveries claimed
   * after it), sparing a round trip per attempt; `getEndpoint` must always answer with the stored endpoint,
   * for reads that write it back or show it. PostgresStorage keeps the rows its claims return for this.
   * Optional: without it the notifier uses `getEndpoint`.
   * @example const endpoint = await (storage.getDeliveryEndpoint ?? storage.getEndpoint).call(storage, delivery.endpointId);
   */
  getDeliveryEndpoint?(id: string): Promise<EndpointRecord | null>;
  /** Ordered by createdAt, id. */
  listEndpoints(options?: { limit?: number; after?: string }): Promise<EndpointRecord[]>;
  /**
   * Every stored endpoint as it is now, in `listEndpoints` order, without copies or a promise, for storage
   * that holds endpoints in the app's own process (MemoryStorage): each publish matches its event against all
   * of them. The array and its records may be shared between calls and must be treated as read-only, nested
   * objects and dates included; a later write makes a new array and new records and leaves those handed out
   * before as they were. Optional: without it the notifier lists endpoints with `listEndpoints`.
   */
  peekEndpoints?(): readonly Readonly<EndpointRecord>[];
  /**
   * Every stored endpoint, in `listEndpoints` order, as read-only records the adapter may keep between calls
   * and hand out again while they are unchanged (nested objects and dates included; a write makes new records
   * and leaves those handed out before as they were), for storage shared with other processes, where
   * `peekEndpoints` cannot be: each call sees every endpoint write committed before it was made, by any
   * process. Each publish matches its event against them: an adapter that keeps the decoded records and asks
   * the store only whether they changed spares every publish the decoding of every endpoint. PostgresStorage
   * checks a fingerprint of the endpoint rows in one query that returns the rows only when it changed.
   * Optional: without it (and without `peekEndpoints`) the notifier lists endpoints with `listEndpoints`.
   * @example const matching = (await storage.currentEndpoints()).filter((e) => e.enabled);
   */
  currentEndpoints?(): Promise<readonly Readonly<EndpointRecord>[]>;
  /** Deletes the endpoint and its pending deliveries; false when it did not exist. */
  deleteEndpoint(id: string): Promise<boolean>;

  // Outbox
  /** Atomically stores a message and its deliveries, before any attempt is made. */
  insertMessage(input: { message: Message; deliveries: DeliveryRecord[] }): Promise<void>;
  /**
   * Stores a message with its deliveries: what `insertMessage` stores with the deliveries that
   * `fanoutDeliveries(message, endpointIds, nextAttemptAt)` (storage/fanout.ts) derives, as every later call
   * sees it (reads, claims, counts, deletes and pruning alike), atomic and committed before it resolves as
   * insertMessage is; but the caller builds no delivery records, and the adapter may keep the fan-out in a
   * compact form (one record for the message and its endpoint ids) and write the delivery records when it
   * first claims or reads them, so that publishing to many endpoints costs about what publishing to one
   * does. A delivery not yet written to an endpoint deleted meanwhile goes with it, as `deleteEndpoint`
   * deletes pending deliveries. Optional: without it the notifier builds the deliveries and calls
   * insertMessage.
   */
  insertFanout?(input: FanoutInput): Promise<void>;
  getMessage(id: string): Promise<Message | null>;
  /**
   * Atomically leases up to `limit` pending deliveries with `nextAttemptAt <= now` to enabled endpoints, whose
   * lease is free or expired, oldest due first.
   */
  claimDeliveries(options: ClaimDeliveriesOptions): Promise<DeliveryRecord[]>;
  /** Atomically records an attempt, updates the delivery (releasing its lease) and optionally the endpoint. */
  completeAttempt(input: CompleteAttemptInput): Promise<void>;
  /**
   * {@link completeAttempt}, done before it returns (see {@link Storage.insertRunNow | insertRunNow}: in-process
   * storage only); throws what `completeAttempt` rejects with. The notifier stores each attempt's outcome
   * through it when an adapter has it, saving an `await` per delivery. Optional: without it the notifier
   * awaits `completeAttempt`.
   * @example storage.completeAttemptNow ? storage.completeAttemptNow(input) : await storage.completeAttempt(input);
   */
  completeAttemptNow?(input: CompleteAttemptInput): void;
  /** Replaces a delivery's state (redeliver, replay). */
  updateDelivery(delivery: DeliveryRecord): Promise<void>;
  getDelivery(id: string): Promise<DeliveryRecord | null>;
  listDeliveries(options?: ListDeliveriesOptions): Promise<DeliveryRecord[]>;
  /** Oldest first. */
  listAttempts(deliveryId: string): Promise<DeliveryAttempt[]>;
  /**
   * Earliest `nextAttemptAt` of pending deliveries to enabled endpoints, or null; a leased delivery counts at
   * its lease's expiry when that is later.
   */
  nextDeliveryAt(): Promise<Date | null>;
  /**
   * Retention of the delivery log: deletes up to `limit` finished deliveries (`succeeded` or `failed`) whose
   * `updatedAt` is before `before`, oldest first, with their attempts and any message left without
   * deliveries. Pending deliveries are never touched. Returns how many deliveries went. Optional: without it
   * the log is kept forever.
   */
  pruneDeliveries?(input: PruneDeliveriesInput): Promise<number>;
}
