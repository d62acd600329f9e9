import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { Emitter, type ListenerOptions } from '../events.js';
import { MemoryStorage } from '../storage/memory/index.js';
import type { Storage } from '../storage/types.js';
import { schedulerHooks } from '../telemetry/scheduler-telemetry.js';
import { HttpTransport } from '../transport/http.js';
import type { Transport } from '../transport/types.js';
import { SchedulerCore } from './core.js';
import type { SchedulerHealth } from './health.js';
import { type SchedulerOptions, validateSchedulerOptions } from './options.js';
import type { RequestRunOptions, WaitForRunOptions } from './runs/cluster/run-requests.js';
import { listJobRuns, toPublicRun } from './runs/records/run-records.js';
import type { Job, JobDefinition, JobHandler, Run, SchedulerEvents, UpsertJobResult } from './types.js';

/**
 * Runs cron, interval and one-off jobs on one timer, records every run, and emits typed lifecycle events.
 *
 * @example
 * const scheduler = new Scheduler({ storage: new SqliteStorage({ path: 'cronhook.db' }) });
 * scheduler.handle('cleanup', async ({ signal }) => { await purgeOldRows({ signal }); });
 * await scheduler.addJob({ id: 'cleanup', schedule: '0 3 * * *', target: { handler: 'cleanup' } });
 * await scheduler.start();
 */
export class Scheduler {
  readonly storage: Storage;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly instanceId: string;
  readonly #emitter: Emitter<SchedulerEvents>;
  readonly #core: SchedulerCore;

  constructor(options: SchedulerOptions = {}) {
    const validated = validateSchedulerOptions(options);
    this.storage = options.storage ?? new MemoryStorage();
    this.transport = options.transport ?? new HttpTransport();
    this.clock = options.clock ?? systemClock;
    this.instanceId = validated.instanceId;
    this.#emitter = new Emitter<SchedulerEvents>(() => new Date(this.clock.now()));
    this.#core = new SchedulerCore({
      storage: this.storage,
      transport: this.transport,
      ownsTransport: options.transport === undefined,
      clock: this.clock,
      instanceId: this.instanceId,
      options: validated,
      emitter: this.#emitter,
      telemetry: schedulerHooks(options.telemetry, this.clock),
    });
  }

  // Events

  /**
   * Subscribes to an event; returns the unsubscribe function. A listener that throws or rejects becomes an
   * `error` event. With `{ await: true }` a run is not stored as finished until the listener settles.
   * @example scheduler.on('job.failed', (e) => alert(`${e.job.id}: ${e.error.message}`));
   */
  on<K extends keyof SchedulerEvents>(
    event: K,
    listener: (payload: SchedulerEvents[K]) => unknown,
    options?: ListenerOptions,
  ): () => void {
    return this.#emitter.on(event, listener, options);
  }

  /** Removes a listener. */
  off<K extends keyof SchedulerEvents>(event: K, listener: (payload: SchedulerEvents[K]) => unknown): void {
    this.#emitter.off(event, listener);
  }

  /** Subscribes for one emission. */
  once<K extends keyof SchedulerEvents>(
    event: K,
    listener: (payload: SchedulerEvents[K]) => unknown,
  ): () => void {
    return this.#emitter.once(event, listener);
  }

  // Jobs

  /**
   * Registers the in-process handler that jobs with `target: { handler: name }` call. Functions are not
   * stored, so every instance registers its handlers before `start()`.
   * @example scheduler.handle('report', async ({ payload, signal }) => buildReport(payload, signal));
   */
  handle<P = unknown>(name: string, handler: JobHandler<P>): this {
    this.#core.handle(name, handler as JobHandler);
    return this;
  }

  /**
   * Validates and stores a job. Throws `ERR_INVALID_JOB` / `ERR_INVALID_SCHEDULE` naming the field, or
   * `ERR_DUPLICATE_JOB` (the stored job is unchanged).
   * @example await scheduler.addJob({ id: 'ping', schedule: { every: '5m' }, target: { url: 'https://example.com/ping' } });
   */
  addJob(definition: JobDefinition): Promise<Job> {
    return this.#core.jobs.add(definition);
  }

  /**
   * Declares job `definition.id` (required here): adds it when there is none, updates it when the stored
   * definition differs, and leaves it alone — next run, catch-up of what was missed while down, `updatedAt` —
   * when it is the same. For set-up code that runs at every start, in every instance: instances calling it
   * together end with one job, and one of them reports each change (`created` / `updated`, and the
   * `job.added` / `job.updated` event).
   *
   * Definitions are compared normalized, against the stored job (header values and signing secret
   * included): `method: 'post'` equals `'POST'`, `https://a.example` equals `https://a.example/`, keys may come in
   * any order, an `every` job keeps the instant its interval counts from. A field the definition omits takes
   * its default, as with addJob, except `enabled`, which is compared only when given: a job paused by an
   * operator stays paused across restarts. A change that leaves the schedule, `startAt`, `endAt` and `maxRuns`
   * as they were keeps the next run; otherwise it is computed from now, as updateJob does. Throws
   * `ERR_INVALID_JOB` / `ERR_INVALID_SCHEDULE` naming the field, before anything is stored. A change is written
   * as {@link Scheduler.updateJob | updateJob}'s is, and rejects with `ERR_CONCURRENT_CHANGE` in the same case.
   * @example
   * const { created, updated } = await scheduler.upsertJob({
   *   id: 'sync-invoices',
   *   schedule: { every: '15m' },
   *   target: { url: 'https://billing.internal/sync', method: 'POST' },
   * });
   */
  upsertJob(definition: JobDefinition & { id: string }): Promise<UpsertJobResult> {
    return this.#core.jobs.upsert(definition);
  }

  /**
   * Changes a job: `patch` is merged over its current definition and validated as a whole (`ERR_INVALID_JOB` /
   * `ERR_INVALID_SCHEDULE` naming the field, nothing stored); `ERR_JOB_NOT_FOUND` when there is no job `id`.
   *
   * The change never undoes what happened since the job was read: it is written only while the stored job is
   * still the one read, and when a claim, a run's advance or another instance's change came between, it is
   * applied again to what is stored then. One that loses 10 times in a row writes nothing and rejects with
   * `ERR_CONCURRENT_CHANGE`: try it again.
   * @example await scheduler.updateJob('ping', { schedule: { every: '10m' } });
   */
  updateJob(id: string, patch: Partial<Omit<JobDefinition, 'id'>>): Promise<Job> {
    return this.#core.jobs.update(id, patch);
  }

  /** Removes a job and its run history; a run in progress is aborted. */
  removeJob(id: string): Promise<void> {
    return this.#core.jobs.remove(id);
  }

  /**
   * The job, or null when there is none with that id: its public view (an HTTP target's URL without its query,
   * `urlHidden` saying what is left out; header names without values; no signing secret).
   * @example const job = await scheduler.getJob('nightly-report');
   */
  getJob(id: string): Promise<Job | null> {
    return this.#core.jobs.get(id);
  }

  /**
   * Jobs ordered by id, a page at a time, as public views (see {@link Scheduler.getJob}).
   * @example const page = await scheduler.listJobs({ limit: 50, after: lastId });
   */
  listJobs(options: { limit?: number; after?: string; enabled?: boolean } = {}): Promise<Job[]> {
    return this.#core.jobs.list(options);
  }

  /**
   * Stops scheduling a job until `resumeJob`; occurrences in between are not caught up. Written as
   * {@link Scheduler.updateJob | updateJob}'s change is: after 10 lost writes in a row it writes nothing and
   * rejects with `ERR_CONCURRENT_CHANGE` (try it again). `ERR_JOB_NOT_FOUND` when there is no job `id`.
   * @example await scheduler.pauseJob('nightly-report');
   */
  pauseJob(id: string): Promise<Job> {
    return this.#core.jobs.setEnabled(id, false);
  }

  /**
   * Resumes a paused job from now on. Written as {@link Scheduler.updateJob | updateJob}'s change is: after
   * 10 lost writes in a row it writes nothing and rejects with `ERR_CONCURRENT_CHANGE` (try it again).
   * `ERR_JOB_NOT_FOUND` when there is no job `id`.
   * @example await scheduler.resumeJob('nightly-report');
   */
  resumeJob(id: string): Promise<Job> {
    return this.#core.jobs.setEnabled(id, true);
  }

  /**
   * Runs a job now, in this instance, outside its schedule ("run now"), and resolves with the finished run.
   * Works whether or not the scheduler is started; the run goes through the same concurrency limit. A handler
   * job whose handler this instance has not registered is refused with `ERR_HANDLER_NOT_FOUND`, nothing
   * recorded: {@link requestRun} hands it to an instance that has it.
   * @example const run = await scheduler.triggerJob('nightly-report'); // run.status: 'succeeded' | 'failed'
   */
  triggerJob(id: string): Promise<Run> {
    return this.#core.trigger(id);
  }

  /**
   * Asks for a run of job `id` now through storage, for whichever started instance can run it to take: any
   * instance for an HTTP job, one that registered the handler for a handler job (this one too, when started).
   * Works from a scheduler that is never started — a CLI, an admin page, a deploy script — on the storage the
   * running instances share; they take it at once when storage tells them (Postgres LISTEN/NOTIFY, the SQLite
   * change watcher), else at their next poll. Resolves with the run as stored: `queued`, trigger `'manual'`,
   * `instanceId` null until taken. Follow it with {@link waitForRun} or `getRun`. A request no instance takes
   * within `expiresInMs` never runs: it is recorded `skipped` with `ERR_REQUEST_EXPIRED` (and `job.skipped`,
   * reason `'expired'`). Throws `ERR_JOB_NOT_FOUND`, or `ERR_NOT_SUPPORTED` for a storage without
   * `claimRunRequests`.
   * @example
   * const requested = await scheduler.requestRun('rebuild-search-index');
   * const run = await scheduler.waitForRun(requested.id, { timeoutMs: 120_000 });
   */
  requestRun(id: string, options: RequestRunOptions = {}): Promise<Run> {
    return this.#core.request(id, options ?? {});
  }

  /**
   * Resolves with run `runId` once it has finished (succeeded, failed, skipped or missed), reading it from
   * storage every `pollIntervalMs`: the outcome of a `requestRun`, whichever instance runs it. A request no
   * instance took before it expired resolves as `skipped` with `ERR_REQUEST_EXPIRED` right away. Rejects with
   * `ERR_TIMEOUT` after `timeoutMs` (the run goes on), with `ERR_RUN_NOT_FOUND` when the run is gone (its job
   * was removed), or with the reason of `signal`.
   * @example const { status, error } = await scheduler.waitForRun(run.id, { timeoutMs: 60_000 });
   */
  waitForRun(runId: string, options: WaitForRunOptions = {}): Promise<Run> {
    return this.#core.loop.requests.wait(runId, options ?? {});
  }

  /**
   * The next `count` (0–1000) fire times of a job (respecting endAt and maxRuns): what will run, including an
   * occurrence already claimed and waiting for its instant (the job's `nextRunAt` has moved past it then).
   * @example const [next] = await scheduler.nextRuns('nightly-report', 1);
   */
  nextRuns(id: string, count = 5): Promise<Date[]> {
    return this.#core.jobs.nextRuns(id, count);
  }

  /**
   * A job's runs, newest first. Page with `before` (the id of the last run of the previous page).
   * @example const runs = await scheduler.listRuns('nightly-report', { limit: 20 });
   */
  listRuns(
    id: string,
    options: { limit?: number; before?: string; status?: Run['status'] } = {},
  ): Promise<Run[]> {
    return listJobRuns(this.storage, id, options);
  }

  /** One run by id, or null. */
  async getRun(runId: string): Promise<Run | null> {
    const run = await this.storage.getRun(runId);
    return run ? toPublicRun(run) : null;
  }

  /**
   * Whether this instance is ready to work, as a readiness probe (`/readyz`) asks: started and not stopping,
   * its storage answering a light query within 5 s, and its claim loop on time. Never rejects.
   * @example const { ready } = await scheduler.health(); res.writeHead(ready ? 200 : 503).end();
   */
  health(): Promise<SchedulerHealth> {
    return this.#core.health();
  }

  /** Runs in progress and waiting for a concurrency slot in this instance. */
  stats(): { running: number; queued: number; state: string } {
    return { ...this.#core.tracker.stats(), state: this.#core.state };
  }

  // Lifecycle

  /**
   * Makes sure storage is ready (`storage.ready()`, which migrates it unless told not to; `migrate()` for an
   * adapter without it), takes over runs orphaned by dead instances, and starts the timer. When storage is not
   * ready (`ERR_SCHEMA_OUTDATED`, `ERR_STORAGE`) it rejects and may be called again.
   * @example await scheduler.start();
   */
  start(): Promise<void> {
    return this.#core.start();
  }

  /**
   * Stops claiming, lets running runs finish within `timeoutMs`, then aborts the rest (recorded as failed
   * with `ERR_STOPPED`). Runs still waiting for a slot or for their instant are released for another instance
   * or the next start. A claim in progress is finished first, within the same `timeoutMs`.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    await this.#core.stop(options.timeoutMs ?? 10_000);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
