import type { DeliveryRecord, EndpointRecord, Message } from '../../../notifier/types.js';
import { cloneEndpoint, cloneMessage } from '../../clone.js';
import type {
  ClaimDeliveriesOptions,
  CompleteAttemptInput,
  FanoutInput,
  PruneDeliveriesInput,
} from '../../types.js';
import type { SqliteConnection } from '../connection/connection.js';
import { SqliteOutbox } from '../outbox.js';
import type { ClaimReply } from './server.js';
import type { WriteThread } from './thread.js';

/** Messages of claims kept, in two generations of up to this many (as `RecordCache` keeps its own). */
const MESSAGES_KEPT = 1_024;

/**
 * The outbox of a `SqliteStorage` whose delivery writes run on a {@link WriteThread}: messages, fan-outs,
 * claims, attempts' outcomes, updates and pruning of deliveries go to the thread; endpoint writes and every
 * read stay on the main thread's connection. The messages and endpoints a claim read come back with it: the
 * attempts of its deliveries read them from there (`getMessage`, `getDeliveryEndpoint`), not from the file
 * again (the main connection's own cache is emptied by every commit of the thread's, as by any other
 * connection's). Once the thread has failed, the writes run on the main thread's connection instead.
 */
export class ThreadedOutbox extends SqliteOutbox {
  readonly #thread: WriteThread;
  #messages = new Map<string, Message>();
  #olderMessages = new Map<string, Message>();
  /** Endpoint rows of claims, each kept until the lease of the claim that read it ends (monotonic ms). */
  readonly #endpoints = new Map<string, { endpoint: EndpointRecord; until: number }>();

  constructor(connection: SqliteConnection, thread: WriteThread) {
    super(connection);
    this.#thread = thread;
  }

  override insertMessage(input: { message: Message; deliveries: DeliveryRecord[] }): Promise<void> {
    if (this.#thread.broken) return super.insertMessage(input);
    return this.#thread.call('insertMessage', input);
  }

  override insertFanout(input: FanoutInput): Promise<void> {
    if (this.#thread.broken) return super.insertFanout(input);
    return this.#thread.call('insertFanout', input);
  }

  override async claimDeliveries(options: ClaimDeliveriesOptions): Promise<DeliveryRecord[]> {
    if (this.#thread.broken) return super.claimDeliveries(options);
    const until = performance.now() + options.leaseMs;
    const [deliveries, messages, endpoints] = await this.#thread.call<ClaimReply>('claim', options);
    for (const message of messages) this.#keep(message);
    for (const endpoint of endpoints) this.#endpoints.set(endpoint.id, { endpoint, until });
    return deliveries;
  }

  override getMessage(id: string): Message | null {
    const kept = this.#messages.get(id) ?? this.#olderMessages.get(id);
    return kept === undefined ? super.getMessage(id) : cloneMessage(kept);
  }

  /** The endpoint as the claim of a delivery still leased read it, else as stored now. */
  override getDeliveryEndpoint(id: string): EndpointRecord | null {
    const kept = this.#endpoints.get(id);
    if (kept !== undefined && kept.until > performance.now()) return cloneEndpoint(kept.endpoint);
    this.#endpoints.delete(id);
    return this.getEndpoint(id);
  }

  override async completeAttempt(input: CompleteAttemptInput): Promise<void> {
    if (this.#thread.broken) return super.completeAttempt(input);
    const id = input.endpoint?.id;
    if (id !== undefined) this.#endpoints.delete(id);
    await this.#thread.call('completeAttempt', input);
  }

  override updateDelivery(delivery: DeliveryRecord): Promise<void> {
    if (this.#thread.broken) return super.updateDelivery(delivery);
    return this.#thread.call('updateDelivery', delivery);
  }

  override async pruneDeliveries(input: PruneDeliveriesInput): Promise<number> {
    if (this.#thread.broken) return super.pruneDeliveries(input);
    const pruned = await this.#thread.call<number>('pruneDeliveries', input);
    this.#messages.clear();
    this.#olderMessages.clear();
    return pruned;
  }

  override insertEndpoint(endpoint: EndpointRecord): Promise<void> {
    this.#endpoints.delete(endpoint.id);
    return super.insertEndpoint(endpoint);
  }

  override updateEndpoint(endpoint: EndpointRecord): Promise<void> {
    this.#endpoints.delete(endpoint.id);
    return super.updateEndpoint(endpoint);
  }

  override replaceEndpoint(endpoint: EndpointRecord, expectedUpdatedAt: Date): Promise<boolean> {
    this.#endpoints.delete(endpoint.id);
    return super.replaceEndpoint(endpoint, expectedUpdatedAt);
  }

  override deleteEndpoint(id: string): Promise<boolean> {
    this.#endpoints.delete(id);
    return super.deleteEndpoint(id);
  }

  #keep(message: Message): void {
    if (this.#messages.size >= MESSAGES_KEPT) {
      this.#olderMessages = this.#messages;
      this.#messages = new Map();
    }
    this.#messages.set(message.id, message);
  }
}
