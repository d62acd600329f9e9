import { randomUUID } from 'node:crypto';
import PQueue from 'p-queue';
import type { Clock } from '../clock.js';
import { sleep, systemClock } from '../clock.js';
import { CronhookError, toErrorInfo } from '../errors.js';
import { Emitter, type ListenerOptions } from '../events.js';
import { MemoryStorage } from '../storage/memory.js';
import type { JobRecord, RunRecord, Storage } from '../storage/types.js';
import { HttpTransport } from '../transport/http.js';
import type { Transport } from '../transport/types.js';
import { VERSION } from '../version.js';
import { buildJobRecord, firstRunAt, toPublicJob } from './job-definition.js';
import { planOccurrences } from './occurrences.js';
import { recordToDefinition } from './record-to-definition.js';
import { Runner, toPublicRun } from './runner.js';
import { jitterFor, nextOccurrence } from './schedule.js';
import { WakeTimer } from './timer.js';
import type {
  Job,
  JobDefinition,
  JobHandler,
  Run,
  RunTrigger,
  SchedulerEvents,
  SchedulerOptions,
} from './types.js';
import { validateSchedulerOptions } from './validate-options.js';

const CLAIM_BATCH = 500;
/** Quartz's misfire threshold: an occurrence later than this counts as missed, and `catchUp` applies. */
const GRACE_MS = 60_000;

interface ActiveRun {
  run: RunRecord;
  controller: AbortController;
  /** Settles when the run has finished (or was released on stop). */
  done: Promise<RunRecord | null>;
}

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
  readonly #options: ReturnType<typeof validateSchedulerOptions>;
  readonly #emitter: Emitter<SchedulerEvents>;
  readonly #handlers = new Map<string, JobHandler>();
  readonly #runner: Runner;
  readonly #queue: PQueue;
  readonly #timer: WakeTimer;
  readonly #active = new Map<string, ActiveRun>();
  readonly #activeByJob = new Map<string, number>();
  readonly #jobChains = new Map<string, Promise<unknown>>();
  readonly #stopController = new AbortController();
  #state: 'idle' | 'starting' | 'started' | 'stopping' | 'stopped' = 'idle';
  #ticking = false;
  #tickAgain = false;
  #nextRenewAt = 0;
  #nextRecoveryAt = 0;
  #unsubscribe: (() => void) | null = null;

  constructor(options: SchedulerOptions = {}) {
    const validated = validateSchedulerOptions(options);
    this.#options = validated;
    this.storage = options.storage ?? new MemoryStorage();
    this.transport = options.transport ?? new HttpTransport();
    this.clock = options.clock ?? systemClock;
    this.instanceId = validated.instanceId;
    this.#emitter = new Emitter<SchedulerEvents>(() => new Date(this.clock.now()));
    this.#queue = new PQueue({ concurrency: validated.concurrency });
    this.#timer = new WakeTimer(this.clock, () => void this.#tick(), {
      unref: validated.unref,
      maxWaitMs: this.storage.shared ? validated.pollIntervalMs : 60_000,
    });
    this.#runner = new Runner({
      storage: this.storage,
      transport: this.transport,
      clock: this.clock,
      emitter: this.#emitter,
      handlers: this.#handlers,
      addressPolicy: validated.addressPolicy,
      userAgent: `cronhook/${VERSION}`,
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
    if (typeof name !== 'string' || name.length === 0) {
      throw new CronhookError('ERR_INVALID_OPTION', 'handle(name): name must be a non-empty string', {
        field: 'name',
      });
    }
    if (typeof handler !== 'function') {
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        `handle(${JSON.stringify(name)}): handler must be a function`,
        {
          field: 'handler',
        },
      );
    }
    this.#handlers.set(name, handler as JobHandler);
    return this;
  }

  /**
   * Validates and stores a job. Throws `ERR_INVALID_JOB` / `ERR_INVALID_SCHEDULE` naming the field, or
   * `ERR_DUPLICATE_JOB` (the stored job is unchanged).
   * @example await scheduler.addJob({ id: 'ping', schedule: { every: '5m' }, target: { url: 'https://example.com/ping' } });
   */
  async addJob(definition: JobDefinition): Promise<Job> {
    const record = buildJobRecord(definition, { timezone: this.#options.timezone, now: this.clock.now() });
    await this.storage.insertJob(record);
    this.#jobChanged(record);
    const job = toPublicJob(record);
    void this.#emitter.emit('job.added', { type: 'job.added', at: this.#now(), job });
    return job;
  }

  /**
   * Changes a job: `patch` is merged over its current definition and validated as a whole.
   * @example await scheduler.updateJob('ping', { schedule: { every: '10m' } });
   */
  async updateJob(id: string, patch: Partial<Omit<JobDefinition, 'id'>>): Promise<Job> {
    const previous = await this.#getRecord(id);
    const definition = { ...recordToDefinition(previous), ...patch, id };
    const record = buildJobRecord(definition, {
      timezone: this.#options.timezone,
      now: this.clock.now(),
      previous,
    });
    if (patch.schedule === undefined) {
      record.schedule = previous.schedule;
      record.nextRunAt = firstRunAt(record, this.clock.now());
    }
    await this.storage.updateJob(record);
    this.#jobChanged(record);
    const job = toPublicJob(record);
    void this.#emitter.emit('job.updated', { type: 'job.updated', at: this.#now(), job });
    return job;
  }

  /** Removes a job and its run history; a run in progress is aborted. */
  async removeJob(id: string): Promise<void> {
    const record = await this.#getRecord(id);
    for (const active of this.#active.values()) {
      if (active.run.jobId === id)
        active.controller.abort(new CronhookError('ERR_ABORTED', `Job ${id} was removed`));
    }
    await this.storage.deleteJob(id);
    void this.#emitter.emit('job.removed', {
      type: 'job.removed',
      at: this.#now(),
      job: toPublicJob(record),
    });
  }

  /** The job, or null when there is none with that id. */
  async getJob(id: string): Promise<Job | null> {
    const record = await this.storage.getJob(id);
    return record ? toPublicJob(record) : null;
  }

  /**
   * Jobs ordered by id, a page at a time.
   * @example const page = await scheduler.listJobs({ limit: 50, after: lastId });
   */
  async listJobs(options: { limit?: number; after?: string; enabled?: boolean } = {}): Promise<Job[]> {
    return (await this.storage.listJobs(options)).map(toPublicJob);
  }

  /** Stops scheduling a job until `resumeJob`; occurrences in between are not caught up. */
  async pauseJob(id: string): Promise<Job> {
    return this.#setEnabled(id, false);
  }

  /** Resumes a paused job from now on. */
  async resumeJob(id: string): Promise<Job> {
    return this.#setEnabled(id, true);
  }

  async #setEnabled(id: string, enabled: boolean): Promise<Job> {
    const record = await this.#getRecord(id);
    record.enabled = enabled;
    record.updatedAt = this.#now();
    record.nextRunAt = enabled ? firstRunAt(record, this.clock.now()) : record.nextRunAt;
    await this.storage.updateJob(record);
    this.#jobChanged(record);
    const job = toPublicJob(record);
    const type = enabled ? 'job.resumed' : 'job.paused';
    void this.#emitter.emit(type, { type, at: this.#now(), job });
    return job;
  }

  /**
   * Runs a job now, outside its schedule ("run now"), and resolves with the finished run. Works whether or
   * not the scheduler is started; the run goes through the same concurrency limit.
   */
  async triggerJob(id: string): Promise<Run> {
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      throw new CronhookError('ERR_STOPPED', `Cannot trigger ${id}: the scheduler is stopped`);
    }
    const job = await this.#getRecord(id);
    const run = this.#newRun(job, this.clock.now(), 'manual', 'queued');
    run.occurrenceKey = `manual:${run.id}`;
    await this.storage.insertRun(run);
    const finished = await this.#execute(job, run, 0).done;
    return toPublicRun(finished ?? run);
  }

  /** The next `count` fire times of a job (respecting endAt and maxRuns). */
  async nextRuns(id: string, count = 5): Promise<Date[]> {
    const job = await this.#getRecord(id);
    const out: Date[] = [];
    let remaining = job.maxRuns === null ? count : Math.min(count, job.maxRuns - job.runCount);
    let next = job.enabled
      ? (job.nextRunAt?.getTime() ?? null)
      : (firstRunAt(job, this.clock.now())?.getTime() ?? null);
    while (next !== null && remaining-- > 0) {
      if (job.endAt !== null && next > job.endAt.getTime()) break;
      out.push(new Date(next));
      next = nextOccurrence(job.schedule, next);
    }
    return out;
  }

  /**
   * A job's runs, newest first. Page with `before` (the id of the last run of the previous page).
   * @example const runs = await scheduler.listRuns('nightly-report', { limit: 20 });
   */
  async listRuns(
    id: string,
    options: { limit?: number; before?: string; status?: Run['status'] } = {},
  ): Promise<Run[]> {
    let before: { scheduledAt: Date; id: string } | undefined;
    if (options.before !== undefined) {
      const cursor = await this.storage.getRun(options.before);
      if (!cursor)
        throw new CronhookError('ERR_RUN_NOT_FOUND', `No run with id ${JSON.stringify(options.before)}`, {
          field: 'before',
        });
      before = { scheduledAt: cursor.scheduledAt, id: cursor.id };
    }
    const runs = await this.storage.listRuns({
      jobId: id,
      limit: options.limit ?? 50,
      ...(before ? { before } : {}),
      ...(options.status ? { statuses: [options.status] } : {}),
    });
    return runs.map(toPublicRun);
  }

  /** One run by id, or null. */
  async getRun(runId: string): Promise<Run | null> {
    const run = await this.storage.getRun(runId);
    return run ? toPublicRun(run) : null;
  }

  /** Runs in progress and waiting for a concurrency slot in this instance. */
  stats(): { running: number; queued: number; state: string } {
    return { running: this.#queue.pending, queued: this.#queue.size, state: this.#state };
  }

  // Lifecycle

  /** Migrates storage, takes over runs orphaned by dead instances, and starts the timer. */
  async start(): Promise<void> {
    if (this.#state !== 'idle') {
      throw new CronhookError('ERR_INVALID_OPTION', `start(): the scheduler is already ${this.#state}`);
    }
    this.#state = 'starting';
    await this.storage.migrate();
    if (this.storage.subscribe) {
      this.#unsubscribe = await this.storage.subscribe((change) => {
        if (change === 'jobs') this.#timer.wakeAt(this.clock.now());
      });
    }
    this.#state = 'started';
    await this.#tick();
  }

  /**
   * Stops claiming, lets running runs finish within `timeoutMs`, then aborts the rest (recorded as failed
   * with `ERR_STOPPED`). Runs still waiting for a slot are released for another instance or the next start.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return;
    this.#state = 'stopping';
    this.#timer.cancel();
    this.#unsubscribe?.();
    this.#queue.clear();
    // Runs that have not started yet (jitter, a busy queue, an overlap chain) are released, not waited for.
    for (const active of this.#active.values()) {
      if (active.run.status === 'queued')
        active.controller.abort(new CronhookError('ERR_STOPPED', 'Scheduler stopping'));
    }
    const pending = [...this.#active.values()].map((a) => a.done);
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (pending.length > 0 && timeoutMs > 0) {
      const grace = new AbortController();
      await Promise.race([
        Promise.allSettled(pending),
        sleep(this.clock, timeoutMs, grace.signal).catch(() => {}),
      ]);
      grace.abort();
    }
    this.#stopController.abort(
      new CronhookError('ERR_STOPPED', 'The scheduler stopped before the run finished'),
    );
    await Promise.allSettled([...this.#active.values()].map((a) => a.done));
    this.#state = 'stopped';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  // Internals

  #now(): Date {
    return new Date(this.clock.now());
  }

  async #getRecord(id: string): Promise<JobRecord> {
    const record = await this.storage.getJob(id);
    if (!record)
      throw new CronhookError('ERR_JOB_NOT_FOUND', `No job with id ${JSON.stringify(id)}`, { field: 'id' });
    return record;
  }

  #jobChanged(record: JobRecord): void {
    if (this.#state === 'started' && record.enabled && record.nextRunAt)
      this.#timer.wakeAt(record.nextRunAt.getTime());
  }

  #newRun(job: JobRecord, scheduledAt: number, trigger: RunTrigger, status: RunRecord['status']): RunRecord {
    return {
      id: `run_${randomUUID()}`,
      jobId: job.id,
      trigger,
      scheduledAt: new Date(scheduledAt),
      status,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      attempts: 0,
      statusCode: null,
      error: null,
      responseSnippet: null,
      instanceId: this.instanceId,
      occurrenceKey: new Date(scheduledAt).toISOString(),
      lockedUntil: status === 'queued' ? new Date(this.clock.now() + this.#options.leaseMs) : null,
    };
  }

  async #tick(): Promise<void> {
    if (this.#state !== 'started') return;
    if (this.#ticking) {
      this.#tickAgain = true;
      return;
    }
    this.#ticking = true;
    try {
      do {
        this.#tickAgain = false;
        const now = this.clock.now();
        await this.#maintainLeases(now);
        const claimed = await this.storage.claimDueJobs({
          now: new Date(now),
          limit: CLAIM_BATCH,
          instanceId: this.instanceId,
          leaseMs: this.#options.leaseMs,
        });
        for (const job of claimed) await this.#processClaim(job, now);
        if (claimed.length === CLAIM_BATCH) this.#tickAgain = true;
      } while (this.#tickAgain && this.#state === 'started');
    } catch (error) {
      this.#reportError(error);
    } finally {
      this.#ticking = false;
    }
    await this.#arm();
  }

  async #arm(): Promise<void> {
    if (this.#state !== 'started') return;
    try {
      const now = this.clock.now();
      let at = (await this.storage.nextDueAt())?.getTime() ?? Number.POSITIVE_INFINITY;
      if (this.#active.size > 0) at = Math.min(at, this.#nextRenewAt);
      if (this.storage.shared) at = Math.min(at, now + this.#options.pollIntervalMs);
      if (Number.isFinite(at)) this.#timer.reset(Math.max(at, now));
      else this.#timer.cancel();
    } catch (error) {
      this.#reportError(error);
      this.#timer.reset(this.clock.now() + this.#options.pollIntervalMs);
    }
  }

  /** Renews our runs' leases and takes over runs whose instance died. */
  async #maintainLeases(now: number): Promise<void> {
    const { leaseMs, instanceId } = this.#options;
    if (this.#active.size > 0 && now >= this.#nextRenewAt) {
      await this.storage.renewRunLeases({
        instanceId,
        runIds: [...this.#active.keys()],
        until: new Date(now + leaseMs),
      });
      this.#nextRenewAt = now + Math.floor(leaseMs / 3);
    }
    if (now < this.#nextRecoveryAt) return;
    this.#nextRecoveryAt = now + (this.storage.shared ? Math.floor(leaseMs / 2) : Number.POSITIVE_INFINITY);
    const orphans = await this.storage.claimExpiredRuns({
      now: new Date(now),
      limit: CLAIM_BATCH,
      instanceId,
      leaseMs,
    });
    for (const run of orphans) await this.#recover(run, now);
  }

  async #recover(run: RunRecord, now: number): Promise<void> {
    const job = await this.storage.getJob(run.jobId);
    if (!job) return;
    if (run.status === 'queued') {
      this.#execute(job, run, 0);
      return;
    }
    run.status = 'failed';
    run.finishedAt = new Date(now);
    run.error = {
      code: 'ERR_LEASE_EXPIRED',
      message: `The instance running this run stopped renewing its lease`,
    };
    run.lockedUntil = null;
    const error = run.error;
    await this.#emitter.emit('job.failed', {
      type: 'job.failed',
      at: this.#now(),
      job: toPublicJob(job),
      run: toPublicRun(run),
      error,
    });
    await this.storage.updateRun(run);
    if (run.attempts < job.retry.attempts) {
      const retry = this.#newRun(job, run.scheduledAt.getTime(), 'retry-after-crash', 'queued');
      retry.occurrenceKey = `${run.occurrenceKey}:recovery:${run.id}`;
      if (await this.storage.insertRun(retry)) this.#execute(job, retry, 0);
    }
  }

  async #processClaim(job: JobRecord, now: number): Promise<void> {
    const plan = planOccurrences(job, now, { graceMs: GRACE_MS, maxMissed: this.#options.maxMissedEvents });
    let busy = (this.#activeByJob.get(job.id) ?? 0) > 0;
    if (!busy && job.overlap === 'skip' && this.storage.shared) {
      busy =
        (await this.storage.listRuns({ jobId: job.id, statuses: ['queued', 'running'], limit: 1 })).length >
        0;
    }
    const runs = plan.occurrences.map((o) => {
      if (o.action === 'missed') return this.#newRun(job, o.at, o.trigger, 'missed');
      // Overlap is judged against runs from earlier claims; this claim's own runs go in order (see below).
      if (job.overlap === 'skip' && busy) return this.#newRun(job, o.at, o.trigger, 'skipped');
      return this.#newRun(job, o.at, o.trigger, 'queued');
    });
    const inserted = await this.storage.advanceJob({
      jobId: job.id,
      instanceId: this.instanceId,
      nextRunAt: plan.nextRunAt,
      runCount: plan.runCount,
      runs,
    });
    const publicJob = toPublicJob(job);
    // Several occurrences of one claim (catch-up { max }) run in order, one after the other.
    const inOrder = job.overlap !== 'allow';
    let previous: Promise<unknown> | undefined;
    for (const run of inserted) {
      const at = this.#now();
      if (run.status === 'missed')
        void this.#emitter.emit('job.missed', {
          type: 'job.missed',
          at,
          job: publicJob,
          run: toPublicRun(run),
        });
      else if (run.status === 'skipped')
        void this.#emitter.emit('job.skipped', {
          type: 'job.skipped',
          at,
          job: publicJob,
          run: toPublicRun(run),
          reason: 'overlap',
        });
      else
        previous = this.#execute(
          job,
          run,
          jitterFor(job.id, run.scheduledAt.getTime(), job.jitterMs),
          inOrder ? previous : undefined,
        ).done;
    }
  }

  /** Queues a run (after its jitter) and tracks it until it settles. */
  #execute(job: JobRecord, run: RunRecord, jitterMs: number, after?: Promise<unknown>): ActiveRun {
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, this.#stopController.signal]);
    this.#activeByJob.set(job.id, (this.#activeByJob.get(job.id) ?? 0) + 1);
    if (this.#nextRenewAt === 0 || this.#active.size === 0)
      this.#nextRenewAt = this.clock.now() + Math.floor(this.#options.leaseMs / 3);
    const previous = after ?? (job.overlap === 'queue' ? this.#jobChains.get(job.id) : undefined);
    let done: Promise<RunRecord | null> = Promise.resolve(null);
    done = (async (): Promise<RunRecord | null> => {
      try {
        if (previous) await previous.catch(() => {});
        if (jitterMs > 0) await sleep(this.clock, jitterMs, signal);
        const result = await this.#queue.add(() => this.#runner.execute(job, run, signal), { signal });
        if (run.trigger !== 'manual' && this.#options.runRetention > 0) {
          await this.storage.pruneRuns({ jobId: job.id, keep: this.#options.runRetention });
        }
        return result ?? null;
      } catch (error) {
        if (run.status === 'queued') {
          // Never started: release it so another instance, or the next start, takes it over.
          run.lockedUntil = new Date(0);
          await this.storage.updateRun(run).catch((e: unknown) => this.#reportError(e));
          return null;
        }
        this.#reportError(error);
        return null;
      } finally {
        if (this.#jobChains.get(job.id) === done) this.#jobChains.delete(job.id);
        this.#active.delete(run.id);
        const count = (this.#activeByJob.get(job.id) ?? 1) - 1;
        if (count > 0) this.#activeByJob.set(job.id, count);
        else this.#activeByJob.delete(job.id);
      }
    })();
    if (job.overlap === 'queue') this.#jobChains.set(job.id, done);
    const active: ActiveRun = { run, controller, done };
    this.#active.set(run.id, active);
    if (this.#state === 'started') this.#timer.wakeAt(this.#nextRenewAt);
    return active;
  }

  #reportError(error: unknown): void {
    this.#options.logger?.error?.(
      'cronhook scheduler error',
      toErrorInfo(error, 'ERR_STORAGE') as unknown as Record<string, unknown>,
    );
    void this.#emitter.emit('error', { type: 'error', at: this.#now(), error });
  }
}
