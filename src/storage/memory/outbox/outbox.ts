import { CronhookError } from '../../../errors.js';
import type { DeliveryAttempt, DeliveryRecord, EndpointRecord, Message } from '../../../notifier/types.js';
import { cloneAttempt, cloneDelivery, cloneMessage } from '../../clone.js';
import { withOutcome } from '../../endpoint-outcome.js';
import { notFound } from '../../errors.js';
import { countEndpoints } from '../../stats.js';
import type {
  ClaimDeliveriesOptions,
  CompleteAttemptInput,
  FanoutInput,
  ListDeliveriesOptions,
  PruneDeliveriesInput,
  StorageStats,
} from '../../types.js';
import type { DeliveryEntry } from './delivery-entry.js';
import { DeliveryTable } from './delivery-table.js';
import type { MemoryEndpoints } from './endpoints.js';
import { MemoryFanouts } from './fanout/fanouts.js';
import { OutboxClaims } from './outbox-claims.js';
import { OutboxOutcomes } from './outbox-outcomes.js';
import { deliveryCounts } from './reads/delivery-counts.js';
import { listDeliveries } from './reads/delivery-listing.js';
import { SharedDates } from './shared-dates.js';

export { wakeTime } from './delivery-entry.js';

const DONE: Promise<void> = Promise.resolve();

/**
 * The webhook half of {@link MemoryStorage}: endpoints, messages, deliveries and their attempts. Deliveries
 * are stored in a {@link DeliveryTable}, which finds due ones by wake time. Fan-outs (`insertFanout`) wait in
 * `MemoryFanouts` until a claim reaches their due time or a write needs their records: reads answer from
 * them. Claims are taken by {@link OutboxClaims}, attempts' outcomes stored by {@link OutboxOutcomes}.
 */
export class MemoryOutbox {
  readonly #endpoints: MemoryEndpoints;
  readonly #messages = new Map<string, Message>();
  /** Each delivery with its attempts, found by id, endpoint or wake time. */
  readonly #deliveries = new DeliveryTable();
  readonly #fanouts = new MemoryFanouts();
  readonly #claims: OutboxClaims;
  readonly #outcomes = new OutboxOutcomes(this.#deliveries, (id) => this.#entry(id));

  /** @param endpoints the storage's endpoints, which MemoryStorage inserts and reads directly. */
  constructor(endpoints: MemoryEndpoints) {
    this.#endpoints = endpoints;
    this.#claims = new OutboxClaims(this.#deliveries, this.#fanouts, endpoints, (records) =>
      this.#store(records),
    );
  }

  // Endpoints

  async updateEndpoint(endpoint: EndpointRecord): Promise<void> {
    this.#updateEndpoint(endpoint);
  }

  #updateEndpoint(endpoint: EndpointRecord): void {
    const existing = this.#endpoints.update(endpoint);
    if (endpoint.enabled && !existing.enabled) this.#reindexDeliveries(endpoint.id);
  }

  async replaceEndpoint(endpoint: EndpointRecord, expectedUpdatedAt: Date): Promise<boolean> {
    if (this.#endpoints.stored(endpoint.id)?.updatedAt.getTime() !== expectedUpdatedAt.getTime())
      return false;
    await this.updateEndpoint(endpoint);
    return true;
  }

  /**
   * Deletes the endpoint and its pending deliveries, fanned out or not: those fan-outs have not handed out
   * yet are dropped from them, the other endpoints' are not written as records.
   */
  async deleteEndpoint(id: string): Promise<boolean> {
    if (!this.#endpoints.delete(id)) return false;
    this.#readyToRead();
    for (const entry of this.#deliveries.ofEndpoint(id)) {
      if (entry.record.status === 'pending') this.#deliveries.remove(entry);
    }
    this.#fanouts.dropEndpoint(id);
    return true;
  }

  // Outbox

  /** Deliveries to a disabled endpoint leave the queue when they surface; re-enabling puts them back. */
  #reindexDeliveries(endpointId: string): void {
    for (const entry of this.#deliveries.ofEndpoint(endpointId)) this.#deliveries.due.index(entry);
  }

  async insertMessage({ message, deliveries }: { message: Message; deliveries: DeliveryRecord[] }) {
    // All or nothing, as in a database transaction: check every id before storing anything.
    if (this.#messages.has(message.id)) throw exists('Message', message.id);
    const storedMessage = cloneMessage(message);
    const entries: DeliveryEntry[] = [];
    // A message's deliveries are made at one instant, the message's own: their dates and its date are stored
    // once, shared (one Date fewer per message at one endpoint, where each message has one delivery).
    const dates = new SharedDates(storedMessage.createdAt);
    for (const delivery of deliveries) {
      const stored: DeliveryRecord = {
        ...delivery,
        nextAttemptAt: dates.copy(delivery.nextAttemptAt),
        lastAttemptAt: dates.copy(delivery.lastAttemptAt),
        lastError: delivery.lastError === null ? null : { ...delivery.lastError },
        createdAt: dates.copy(delivery.createdAt)!,
        updatedAt: dates.copy(delivery.updatedAt)!,
        lockedUntil: dates.copy(delivery.lockedUntil),
      };
      entries.push({ record: stored, attempts: null, message: storedMessage, removed: false });
    }
    const taken = this.#deliveries.insert(entries);
    if (taken !== null) throw exists('Delivery', taken);
    this.#messages.set(message.id, storedMessage);
  }

  async insertFanout(input: FanoutInput): Promise<void> {
    if (this.#messages.has(input.message.id)) throw exists('Message', input.message.id);
    const message = cloneMessage(input.message);
    this.#fanouts.add(message, input);
    this.#messages.set(message.id, message);
  }

  /** Stores fanned-out records as insertMessage does, and finds them when due. */
  #store(records: DeliveryRecord[]): void {
    let message: Message | undefined;
    const entries: DeliveryEntry[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      if (message?.id !== record.messageId) message = this.#messages.get(record.messageId)!;
      entries[i] = { record, attempts: null, message, removed: false };
    }
    // Ids derived from a stored message's are not taken, unless an insertMessage took one: that one stays.
    this.#deliveries.insertFanouts(entries);
  }

  /** Writes the records of every fan-out (nothing to do most times), for a read that cannot do without. */
  #expandAll(): void {
    if (this.#fanouts.size > 0) this.#store(this.#fanouts.takeAll());
  }

  /**
   * Before a read of every delivery: the pending fan-outs' deliveries are read where they are, unless some
   * id of theirs is stored or pending twice (ids made by hand, see DeliveryTable.clearOf): then storing
   * them (#expandAll) settles which delivery each id keeps, as it always has.
   */
  #readyToRead(): void {
    if (this.#fanouts.size > 0 && !this.#deliveries.clearOf(this.#fanouts.values())) this.#expandAll();
  }

  /**
   * The stored entry of a delivery, to be written: when a fan-out has it not handed out yet, the records of
   * that fan-out (and of any whose ids are derived alike) are written first, the others' are not.
   */
  #entry(id: string): DeliveryEntry | undefined {
    const entry = this.#deliveries.get(id);
    if (entry !== undefined || this.#fanouts.size === 0) return entry;
    this.#store(this.#fanouts.takeOf(id));
    return this.#deliveries.get(id);
  }

  async getMessage(id: string): Promise<Message | null> {
    const message = this.#deliveries.claimedMessage(id) ?? this.#messages.get(id);
    return message ? cloneMessage(message) : null;
  }

  /** Claims in due order: stored deliveries, and fan-outs due before them (see OutboxClaims). */
  async claimDeliveries(options: ClaimDeliveriesOptions): Promise<DeliveryRecord[]> {
    return this.#claims.claim(options);
  }

  /**
   * Not an async function: the usual outcome is stored at once, and an async function's frame and promise
   * were ~0.3 KB of garbage per delivery.
   */
  completeAttempt(input: CompleteAttemptInput): Promise<void> {
    try {
      this.completeAttemptNow(input);
      return DONE;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** {@link completeAttempt}, done before it returns (see `Storage.completeAttemptNow`). */
  completeAttemptNow(input: CompleteAttemptInput): void {
    this.#outcomes.store(input);
    if (input.endpoint) this.#endpointOutcome(input.endpoint);
  }

  /** An attempt's outcome changes its endpoint (failing since, disabled). */
  #endpointOutcome(endpoint: NonNullable<CompleteAttemptInput['endpoint']>): void {
    const existing = this.#endpoints.stored(endpoint.id);
    if (existing) this.#updateEndpoint(withOutcome(existing, endpoint));
  }

  async updateDelivery(delivery: DeliveryRecord): Promise<void> {
    const entry = this.#entry(delivery.id);
    if (entry === undefined) throw notFound('delivery', delivery.id);
    entry.record = cloneDelivery(delivery);
    this.#deliveries.written(entry);
  }

  async getDelivery(id: string): Promise<DeliveryRecord | null> {
    // A compact one is read without being made whole (DeliveryTable.peek); one a fan-out has not handed out
    // yet, from the fan-out (not found stored, it is the one its first fan-out holds).
    const record = this.#deliveries.peek(id)?.record ?? this.#fanouts.find(id);
    return record ? cloneDelivery(record) : null;
  }

  async listDeliveries(options: ListDeliveriesOptions = {}): Promise<DeliveryRecord[]> {
    this.#readyToRead();
    return listDeliveries(
      (mayHold) => this.#deliveries.records(mayHold),
      [...this.#fanouts.values()],
      options,
      (messageId) => this.#messages.get(messageId)?.jobId,
    );
  }

  /** The endpoint and delivery counts of `stats()`. */
  stats(): Pick<StorageStats, 'endpoints' | 'deliveries'> {
    this.#readyToRead();
    const endpoints = countEndpoints(
      this.#endpoints.peek().map((e) => ({
        enabled: e.enabled,
        disabledReason: e.disabledReason,
        failing: e.failingSince !== null,
      })),
    );
    return { endpoints, deliveries: deliveryCounts(this.#deliveries.whole(), this.#fanouts) };
  }

  async listAttempts(deliveryId: string): Promise<DeliveryAttempt[]> {
    const attempts = this.#deliveries.peek(deliveryId)?.attempts ?? null;
    if (attempts === null) return [];
    return Array.isArray(attempts) ? attempts.map(cloneAttempt) : [cloneAttempt(attempts)];
  }

  /**
   * Takes the oldest finished deliveries from the order the table keeps them in (see DeliveryTable.prune):
   * a pass costs what it deletes, however many deliveries are stored.
   */
  async pruneDeliveries({ before, limit }: PruneDeliveriesInput): Promise<number> {
    // A count, as the slice(0, limit) this took before: a fraction rounds down, NaN prunes none (and so does a
    // negative one, which the slice took as all but the last so many).
    const most = limit === undefined ? Number.POSITIVE_INFINITY : limit > 0 ? Math.floor(limit) : 0;
    const { count, emptied } = this.#deliveries.prune(before.getTime(), most);
    for (const messageId of emptied) {
      // A fan-out that claims took part of has its other deliveries still to come.
      if (this.#fanouts.has(messageId)) continue;
      this.#messages.delete(messageId);
      this.#deliveries.forgetMessage(messageId);
    }
    return count;
  }

  async nextDeliveryAt(): Promise<Date | null> {
    return this.#claims.nextAt();
  }
}

/** A message or delivery id stored before: nothing of the write is kept. */
function exists(kind: 'Message' | 'Delivery', id: string): CronhookError {
  return new CronhookError('ERR_STORAGE', `${kind} ${id} already exists`);
}
