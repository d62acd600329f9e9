import { CronhookError } from '../errors.js';
import type { SchedulerEvents } from '../scheduler/types.js';
import { readyStorage, watchStorage } from '../storage/readiness.js';
import { Deliverer, type DelivererDeps } from './delivery/attempt/deliverer.js';
import { ManualAttempts } from './delivery/attempt/manual-attempts.js';
import { DeliveryLog, type ReplayOptions } from './delivery/delivery-log.js';
import { Dispatcher } from './delivery/dispatcher.js';
import { MessageWriter } from './delivery/publish/message-writer.js';
import { EndpointRegistry } from './endpoints/endpoint-registry.js';
import type { NotifierEventSource } from './options.js';
import { JOB_TOPICS, jobEventData } from './payload.js';
import { MAX_PUBLISH_BYTES, type MatchSubject, validatePublishTopic } from './topics.js';

/** What the notifier's parts are built from: the deliverer's dependencies, all given. */
export type NotifierCoreOptions = Required<Omit<DelivererDeps, 'random'>>;

/**
 * What a `WebhookNotifier` is made of, and how it starts and stops: the endpoint registry, the message writer
 * that stores what is published, the dispatcher and deliverer that send it, manual attempts and the delivery
 * log, wired together over one storage, and subscribed to the scheduler's job events. The `WebhookNotifier`
 * facade holds one and delegates to it.
 */
export class NotifierCore {
  readonly endpoints: EndpointRegistry;
  readonly manual: ManualAttempts;
  readonly log: DeliveryLog;
  readonly #o: NotifierCoreOptions;
  readonly #dispatcher: Dispatcher;
  readonly #writer: MessageWriter;
  #state: 'idle' | 'started' | 'stopping' = 'idle';
  #storageUnsubscribe: (() => void) | null = null;

  constructor(o: NotifierCoreOptions) {
    this.#o = o;
    const { storage, clock, telemetry } = o;
    const deliverer = new Deliverer(o);
    this.#dispatcher = new Dispatcher({ ...o, deliverer });
    const wake = () => this.#dispatcher.wake();
    const now = () => this.#now();
    this.log = new DeliveryLog(storage);
    this.#writer = new MessageWriter(storage, clock, (ids) => this.#dispatcher.wake(ids), telemetry);
    this.endpoints = new EndpointRegistry(storage, now, wake);
    this.manual = new ManualAttempts({
      storage,
      endpoints: this.endpoints,
      writer: this.#writer,
      deliverer,
      now,
    });
  }

  /**
   * Stores a message for every job event of `scheduler` from now on. The scheduler awaits it: a run is not
   * marked finished until its messages are stored, even before start() or after stop() (they are sent on the
   * next start).
   */
  listenTo(scheduler: NotifierEventSource): void {
    for (const event of Object.keys(JOB_TOPICS) as Array<keyof typeof JOB_TOPICS>) {
      scheduler.on(event, (e: SchedulerEvents[typeof event]) => this.#onJobEvent(event, e), {
        await: true,
      });
    }
  }

  /** See `WebhookNotifier.publish`. */
  publish(topic: string, data: unknown): Promise<string> {
    const subject = { topic: validatePublishTopic(topic), jobId: null, metadata: null };
    return this.#writer.publish(subject, this.#now(), data, MAX_PUBLISH_BYTES);
  }

  /** See `WebhookNotifier.replay`. */
  async replay(options: ReplayOptions): Promise<number> {
    const count = await this.log.replay(options, this.#now());
    if (count > 0) this.#dispatcher.wake();
    return count;
  }

  /** See `WebhookNotifier.start`: rejects, back to idle, when storage is not ready. */
  async start(): Promise<void> {
    if (this.#state !== 'idle') {
      throw new CronhookError('ERR_INVALID_OPTION', `start(): the notifier is already ${this.#state}`);
    }
    this.#state = 'started';
    const { storage } = this.#o;
    try {
      await readyStorage(storage);
    } catch (error) {
      this.#state = 'idle';
      throw error;
    }
    const watching = watchStorage(storage, 'deliveries', () => this.#dispatcher.wake());
    if (watching) this.#storageUnsubscribe = await watching;
    this.#o.telemetry?.started(storage);
    this.#dispatcher.start();
  }

  /** See `WebhookNotifier.stop`. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#state !== 'started') return;
    this.#state = 'stopping';
    this.#storageUnsubscribe?.();
    this.#storageUnsubscribe = null;
    await this.#dispatcher.stop(timeoutMs);
    this.#o.telemetry?.stopped();
    this.#state = 'idle';
  }

  #now(): Date {
    return new Date(this.#o.clock.now());
  }

  async #onJobEvent<K extends keyof typeof JOB_TOPICS>(event: K, e: SchedulerEvents[K]): Promise<void> {
    const subject: MatchSubject = { topic: JOB_TOPICS[event], jobId: e.job.id, metadata: e.job.metadata };
    await this.#writer.publish(subject, e.at, jobEventData(e));
  }
}
