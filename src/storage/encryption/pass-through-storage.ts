import type { DeliveryAttempt, DeliveryRecord, Message } from '../../notifier/types.js';
import type {
  AdvanceJobInput,
  ClaimDeliveriesOptions,
  ClaimOptions,
  CompleteAttemptInput,
  ListDeliveriesOptions,
  ListRunsOptions,
  PruneRunsInput,
  RunRecord,
  Storage,
} from '../types.js';
import { statusOnly } from './secret-fields.js';

/**
 * The Storage members that carry no secrets, handed to the storage underneath as they are: runs, messages,
 * deliveries and attempts, deletions, due times, and the optional members among them that the storage
 * underneath has. An attempt's outcome passes with its endpoint patch cut to the status fields it declares
 * ({@link statusOnly}). {@link EncryptedStorage} adds the members that seal or open secrets.
 */
export abstract class PassThroughStorage {
  readonly #inner: Storage;
  // The optional members the storage underneath has, typed as the interface declares them.
  readonly close?: Storage['close'];
  readonly subscribe?: Storage['subscribe'];
  readonly pruneDeliveries?: Storage['pruneDeliveries'];
  readonly insertFanout?: Storage['insertFanout'];
  readonly claimRunRequests?: Storage['claimRunRequests'];
  readonly stats?: Storage['stats'];
  readonly latestRuns?: Storage['latestRuns'];
  readonly insertRunNow?: Storage['insertRunNow'];
  readonly updateRunNow?: Storage['updateRunNow'];
  readonly pruneRunsNow?: Storage['pruneRunsNow'];
  readonly completeAttemptNow?: Storage['completeAttemptNow'];

  constructor(storage: Storage) {
    this.#inner = storage;
    if (storage.close) this.close = () => storage.close!();
    if (storage.subscribe) this.subscribe = (listener) => storage.subscribe!(listener);
    if (storage.pruneDeliveries) this.pruneDeliveries = (input) => storage.pruneDeliveries!(input);
    if (storage.insertFanout) this.insertFanout = (input) => storage.insertFanout!(input);
    if (storage.claimRunRequests) this.claimRunRequests = (options) => storage.claimRunRequests!(options);
    if (storage.stats) this.stats = (input) => storage.stats!(input);
    if (storage.latestRuns) this.latestRuns = (jobIds) => storage.latestRuns!(jobIds);
    if (storage.insertRunNow) this.insertRunNow = (run) => storage.insertRunNow!(run);
    if (storage.updateRunNow) this.updateRunNow = (run) => storage.updateRunNow!(run);
    if (storage.pruneRunsNow) this.pruneRunsNow = (input) => storage.pruneRunsNow!(input);
    if (storage.completeAttemptNow) {
      this.completeAttemptNow = (input) => storage.completeAttemptNow!(statusOnly(input));
    }
  }

  get shared(): boolean {
    return this.#inner.shared === true;
  }

  deleteJob(id: string): Promise<boolean> {
    return this.#inner.deleteJob(id);
  }
  nextDueAt(): Promise<Date | null> {
    return this.#inner.nextDueAt();
  }
  advanceJob(input: AdvanceJobInput): Promise<RunRecord[]> {
    return this.#inner.advanceJob(input);
  }
  insertRun(run: RunRecord): Promise<boolean> {
    return this.#inner.insertRun(run);
  }
  updateRun(run: RunRecord): Promise<void> {
    return this.#inner.updateRun(run);
  }
  getRun(id: string): Promise<RunRecord | null> {
    return this.#inner.getRun(id);
  }
  listRuns(options?: ListRunsOptions): Promise<RunRecord[]> {
    return this.#inner.listRuns(options);
  }
  // biome-ignore lint/suspicious/noConfusingVoidType: adapters written before the ids were asked for resolve with nothing.
  renewRunLeases(input: { instanceId: string; runIds: string[]; until: Date }): Promise<string[] | void> {
    return this.#inner.renewRunLeases(input);
  }
  claimExpiredRuns(options: ClaimOptions): Promise<RunRecord[]> {
    return this.#inner.claimExpiredRuns(options);
  }
  pruneRuns(input: PruneRunsInput): Promise<number> {
    return this.#inner.pruneRuns(input);
  }
  deleteEndpoint(id: string): Promise<boolean> {
    return this.#inner.deleteEndpoint(id);
  }
  insertMessage(input: { message: Message; deliveries: DeliveryRecord[] }): Promise<void> {
    return this.#inner.insertMessage(input);
  }
  getMessage(id: string): Promise<Message | null> {
    return this.#inner.getMessage(id);
  }
  claimDeliveries(options: ClaimDeliveriesOptions): Promise<DeliveryRecord[]> {
    return this.#inner.claimDeliveries(options);
  }
  completeAttempt(input: CompleteAttemptInput): Promise<void> {
    return this.#inner.completeAttempt(statusOnly(input));
  }
  updateDelivery(delivery: DeliveryRecord): Promise<void> {
    return this.#inner.updateDelivery(delivery);
  }
  getDelivery(id: string): Promise<DeliveryRecord | null> {
    return this.#inner.getDelivery(id);
  }
  listDeliveries(options?: ListDeliveriesOptions): Promise<DeliveryRecord[]> {
    return this.#inner.listDeliveries(options);
  }
  listAttempts(deliveryId: string): Promise<DeliveryAttempt[]> {
    return this.#inner.listAttempts(deliveryId);
  }
  nextDeliveryAt(): Promise<Date | null> {
    return this.#inner.nextDeliveryAt();
  }
}
