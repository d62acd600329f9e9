import type { DeliveryAttempt, DeliveryRecord, EndpointRecord, Message } from '../../notifier/types.js';
import { storageError } from '../errors.js';
import type {
  AdvanceJobInput,
  ClaimDeliveriesOptions,
  ClaimedRunRequests,
  ClaimOptions,
  ClaimRunRequestsOptions,
  CompleteAttemptInput,
  FanoutInput,
  JobRecord,
  JobScheduleState,
  ListDeliveriesOptions,
  ListJobsOptions,
  ListRunsOptions,
  PruneDeliveriesInput,
  PruneRunsInput,
  RunRecord,
  Storage,
} from '../types.js';
import { READ_ENDPOINT, READ_MESSAGE, RECORD_ATTEMPT, type Step, settled } from './storage-step.js';

type JobMethod =
  | 'insertJob'
  | 'updateJob'
  | 'replaceJob'
  | 'getJob'
  | 'listJobs'
  | 'listFailingJobs'
  | 'deleteJob'
  | 'nextDueAt'
  | 'claimDueJobs'
  | 'advanceJob'
  | 'insertRun'
  | 'updateRun'
  | 'getRun'
  | 'listRuns'
  | 'latestRuns'
  | 'renewRunLeases'
  | 'claimExpiredRuns'
  | 'claimRunRequests'
  | 'pruneRuns';
type OutboxMethod =
  | 'insertEndpoint'
  | 'updateEndpoint'
  | 'replaceEndpoint'
  | 'getEndpoint'
  | 'listEndpoints'
  | 'deleteEndpoint'
  | 'insertMessage'
  | 'getMessage'
  | 'claimDeliveries'
  | 'completeAttempt'
  | 'updateDelivery'
  | 'getDelivery'
  | 'listDeliveries'
  | 'listAttempts'
  | 'nextDeliveryAt'
  | 'pruneDeliveries';

/** A Storage method as a part implements it: synchronously (node:sqlite) or not (pg). */
type PartOf<K extends keyof Storage> = {
  [M in K]-?: NonNullable<Storage[M]> extends (...args: infer A) => Promise<infer R>
    ? (...args: A) => R | Promise<R>
    : never;
};
export type JobsPart = PartOf<JobMethod>;
/** The outbox part; `insertFanout`, `currentEndpoints` and `getDeliveryEndpoint` are optional, as on Storage. */
export type OutboxPart = PartOf<OutboxMethod> &
  Partial<PartOf<'insertFanout' | 'currentEndpoints' | 'getDeliveryEndpoint'>>;

const DONE: Promise<void> = Promise.resolve();

/**
 * The Storage surface of the SQL adapters, written once: each method waits for the schema to be ready (see
 * {@link SplitStorage.ready}), hands its work to the jobs part or the outbox part of the adapter, and turns
 * driver errors into `ERR_STORAGE` naming what was being done. The adapters add connection handling,
 * `migrate()`, what `ready()` does the first time ({@link SplitStorage.prepare}) and, for Postgres,
 * `subscribe()`.
 */
export abstract class SplitStorage {
  readonly #jobs: JobsPart;
  readonly #outbox: OutboxPart;
  /** The first `ready()` in progress; null before it, and again after it failed (the next call retries). */
  #preparing: Promise<void> | null = null;
  /** The schema is known to be current: methods no longer wait for anything. */
  #prepared = false;

  /** See {@link Storage.insertFanout}: present when the adapter's outbox part writes fan-outs. */
  readonly insertFanout?: (input: FanoutInput) => Promise<void>;
  /** See {@link Storage.currentEndpoints}: present when the adapter's outbox part keeps endpoints. */
  readonly currentEndpoints?: () => Promise<readonly Readonly<EndpointRecord>[]>;
  /** See {@link Storage.getDeliveryEndpoint}: present when the adapter's outbox part keeps claimed endpoint rows. */
  readonly getDeliveryEndpoint?: (id: string) => Promise<EndpointRecord | null>;

  protected constructor(jobs: JobsPart, outbox: OutboxPart) {
    this.#jobs = jobs;
    this.#outbox = outbox;
    const insertFanout = outbox.insertFanout?.bind(outbox);
    if (insertFanout) this.insertFanout = (input) => this.op('insert a message', () => insertFanout(input));
    const currentEndpoints = outbox.currentEndpoints?.bind(outbox);
    if (currentEndpoints) this.currentEndpoints = () => this.op('list endpoints', currentEndpoints);
    const getDeliveryEndpoint = outbox.getDeliveryEndpoint;
    if (getDeliveryEndpoint)
      this.getDeliveryEndpoint = (id) => this.#step(READ_ENDPOINT, getDeliveryEndpoint, id);
  }

  /**
   * {@link op} for the three calls every attempt makes (its endpoint, its message, its outcome): `fn`, a method
   * of the outbox part, called with `arg`; once the schema is ready, a call on the success path allocates no
   * closure and no error handler (see Step) and waits for nothing more.
   */
  #step<A, T>(step: Step, fn: (this: OutboxPart, arg: A) => T | Promise<T>, arg: A): Promise<T> {
    const outbox = this.#outbox;
    if (!this.#prepared) return this.op(step.action, () => fn.call(outbox, arg));
    return step.call(outbox, fn, arg);
  }

  /**
   * What the first `ready()` does: migrate the schema, or, with automatic migration turned off, check that it
   * is current (`ERR_SCHEMA_OUTDATED` when it is not).
   */
  protected abstract prepare(): Promise<void>;

  /**
   * Resolves once the schema is ready to use: the first call migrates it (or checks it, with `autoMigrate:
   * false`), and callers that come meanwhile share that one step. Every other method waits for it, so calling
   * it is never required: call it at start-up to learn of a problem there rather than at the first job added.
   * A failure is not kept: the next call (or method) tries again, so a database migrated meanwhile is used.
   * @example await storage.ready(); // before serving traffic: fails fast on a database it cannot use
   */
  ready(): Promise<void> {
    if (this.#prepared) return DONE;
    this.#preparing ??= this.prepare().then(
      () => {
        this.#prepared = true;
      },
      (error: unknown) => {
        this.#preparing = null;
        throw error;
      },
    );
    return this.#preparing;
  }

  /** Records that the schema is current (an explicit `migrate()` succeeded). */
  protected markReady(): void {
    this.#prepared = true;
  }

  /**
   * Runs `fn` once the schema is ready, turning driver errors into `ERR_STORAGE`; CronhookErrors pass through
   * unchanged.
   */
  protected op<T>(action: string, fn: () => T | Promise<T>): Promise<T> {
    if (this.#prepared) return settled(action, fn);
    return this.ready().then(
      () => settled(action, fn),
      (error: unknown) => {
        throw storageError(error, action);
      },
    );
  }

  /** {@link op} without waiting for the schema: for `migrate()` itself and what needs no table. */
  protected direct<T>(action: string, fn: () => T | Promise<T>): Promise<T> {
    return settled(action, fn);
  }

  insertJob(job: JobRecord): Promise<void> {
    return this.op('insert a job', () => this.#jobs.insertJob(job));
  }
  updateJob(job: JobRecord): Promise<void> {
    return this.op('update a job', () => this.#jobs.updateJob(job));
  }
  replaceJob(job: JobRecord, expectedUpdatedAt: Date, expectedState?: JobScheduleState): Promise<boolean> {
    return this.op('replace a job', () => this.#jobs.replaceJob(job, expectedUpdatedAt, expectedState));
  }
  getJob(id: string): Promise<JobRecord | null> {
    return this.op('read a job', () => this.#jobs.getJob(id));
  }
  listJobs(options?: ListJobsOptions): Promise<JobRecord[]> {
    return this.op('list jobs', () => this.#jobs.listJobs(options));
  }
  listFailingJobs(options?: Omit<ListJobsOptions, 'enabled'>): Promise<JobRecord[]> {
    return this.op('list failing jobs', () => this.#jobs.listFailingJobs(options));
  }
  deleteJob(id: string): Promise<boolean> {
    return this.op('delete a job', () => this.#jobs.deleteJob(id));
  }
  nextDueAt(): Promise<Date | null> {
    return this.op('find the next due job', () => this.#jobs.nextDueAt());
  }
  claimDueJobs(options: ClaimOptions): Promise<JobRecord[]> {
    return this.op('claim due jobs', () => this.#jobs.claimDueJobs(options));
  }
  advanceJob(input: AdvanceJobInput): Promise<RunRecord[]> {
    return this.op('advance a job', () => this.#jobs.advanceJob(input));
  }
  insertRun(run: RunRecord): Promise<boolean> {
    return this.op('insert a run', () => this.#jobs.insertRun(run));
  }
  updateRun(run: RunRecord): Promise<void> {
    return this.op('update a run', () => this.#jobs.updateRun(run));
  }
  getRun(id: string): Promise<RunRecord | null> {
    return this.op('read a run', () => this.#jobs.getRun(id));
  }
  listRuns(options?: ListRunsOptions): Promise<RunRecord[]> {
    return this.op('list runs', () => this.#jobs.listRuns(options));
  }
  latestRuns(jobIds: string[]): Promise<RunRecord[]> {
    return this.op('read the latest runs', () => this.#jobs.latestRuns(jobIds));
  }
  // biome-ignore lint/suspicious/noConfusingVoidType: adapters written before the ids were asked for resolve with nothing.
  renewRunLeases(input: { instanceId: string; runIds: string[]; until: Date }): Promise<string[] | void> {
    return this.op('renew run leases', () => this.#jobs.renewRunLeases(input));
  }
  claimExpiredRuns(options: ClaimOptions): Promise<RunRecord[]> {
    return this.op('claim expired runs', () => this.#jobs.claimExpiredRuns(options));
  }
  claimRunRequests(options: ClaimRunRequestsOptions): Promise<ClaimedRunRequests> {
    return this.op('claim run requests', () => this.#jobs.claimRunRequests(options));
  }

  pruneRuns(input: PruneRunsInput): Promise<number> {
    return this.op('prune runs', () => this.#jobs.pruneRuns(input));
  }

  insertEndpoint(endpoint: EndpointRecord): Promise<void> {
    return this.op('insert an endpoint', () => this.#outbox.insertEndpoint(endpoint));
  }
  updateEndpoint(endpoint: EndpointRecord): Promise<void> {
    return this.op('update an endpoint', () => this.#outbox.updateEndpoint(endpoint));
  }
  replaceEndpoint(endpoint: EndpointRecord, expectedUpdatedAt: Date): Promise<boolean> {
    return this.op('replace an endpoint', () => this.#outbox.replaceEndpoint(endpoint, expectedUpdatedAt));
  }
  getEndpoint(id: string): Promise<EndpointRecord | null> {
    return this.op('read an endpoint', () => this.#outbox.getEndpoint(id));
  }
  listEndpoints(options?: { limit?: number; after?: string }): Promise<EndpointRecord[]> {
    return this.op('list endpoints', () => this.#outbox.listEndpoints(options));
  }
  deleteEndpoint(id: string): Promise<boolean> {
    return this.op('delete an endpoint', () => this.#outbox.deleteEndpoint(id));
  }
  insertMessage(input: { message: Message; deliveries: DeliveryRecord[] }): Promise<void> {
    return this.op('insert a message', () => this.#outbox.insertMessage(input));
  }
  getMessage(id: string): Promise<Message | null> {
    return this.#step(READ_MESSAGE, this.#outbox.getMessage, id);
  }
  claimDeliveries(options: ClaimDeliveriesOptions): Promise<DeliveryRecord[]> {
    return this.op('claim deliveries', () => this.#outbox.claimDeliveries(options));
  }
  completeAttempt(input: CompleteAttemptInput): Promise<void> {
    return this.#step(RECORD_ATTEMPT, this.#outbox.completeAttempt, input);
  }
  updateDelivery(delivery: DeliveryRecord): Promise<void> {
    return this.op('update a delivery', () => this.#outbox.updateDelivery(delivery));
  }
  getDelivery(id: string): Promise<DeliveryRecord | null> {
    return this.op('read a delivery', () => this.#outbox.getDelivery(id));
  }
  listDeliveries(options?: ListDeliveriesOptions): Promise<DeliveryRecord[]> {
    return this.op('list deliveries', () => this.#outbox.listDeliveries(options));
  }
  listAttempts(deliveryId: string): Promise<DeliveryAttempt[]> {
    return this.op('list delivery attempts', () => this.#outbox.listAttempts(deliveryId));
  }
  nextDeliveryAt(): Promise<Date | null> {
    return this.op('find the next due delivery', () => this.#outbox.nextDeliveryAt());
  }
  pruneDeliveries(input: PruneDeliveriesInput): Promise<number> {
    return this.op('prune deliveries', () => this.#outbox.pruneDeliveries(input));
  }
}
