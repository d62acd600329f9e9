import type { DeliveryRecord, Message } from '../../notifier/types.js';
import type {
  ClaimDeliveriesOptions,
  CompleteAttemptInput,
  FanoutInput,
  PruneDeliveriesInput,
} from '../types.js';
import type { SqliteConnection } from './connection.js';
import { SqliteOutbox } from './outbox.js';
import type { WriteThread } from './write-thread.js';

/** The outbox with its delivery writes run on a {@link WriteThread}; reads stay on this thread. */
export class ThreadedOutbox extends SqliteOutbox {
  readonly #thread: WriteThread;

  constructor(connection: SqliteConnection, thread: WriteThread) {
    super(connection, thread);
    this.#thread = thread;
  }

  override insertMessage(input: { message: Message; deliveries: DeliveryRecord[] }): Promise<void> {
    return this.#thread.call('insertMessage', input);
  }

  override insertFanout(input: FanoutInput): Promise<void> {
    return this.#thread.call('insertFanout', input);
  }

  override async claimDeliveries(options: ClaimDeliveriesOptions): Promise<DeliveryRecord[]> {
    const [deliveries, messages] = await this.#thread.call<[DeliveryRecord[], Message[]]>('claim', options);
    this.cache.prime(messages);
    return deliveries;
  }

  override async completeAttempt(input: CompleteAttemptInput): Promise<void> {
    const id = input.endpoint?.id;
    if (id !== undefined) this.cache.forgetEndpoint(id);
    await this.#thread.call('completeAttempt', input);
    if (id !== undefined) this.cache.forgetEndpoint(id);
  }

  override updateDelivery(delivery: DeliveryRecord): Promise<void> {
    return this.#thread.call('updateDelivery', delivery);
  }

  override async pruneDeliveries(input: PruneDeliveriesInput): Promise<number> {
    const pruned = await this.#thread.call<number>('pruneDeliveries', input);
    this.cache.forgetMessages();
    return pruned;
  }
}
