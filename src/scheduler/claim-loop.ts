import { type Clock, sleep } from '../clock.js';
import { CronhookError } from '../errors.js';
import type { Emitter } from '../events.js';
import type { JobRecord, RunRecord, Storage } from '../storage/types.js';
import type { ManualHandOver, StartGate } from './active-run.js';
import { planOccurrences } from './occurrences.js';
import { toPublicJob } from './public-job.js';
import { newRunRecord, toPublicRun } from './run-record.js';
import type { RunTracker } from './run-tracker.js';
import { jitterFor } from './schedule.js';
import { WakeTimer } from './timer.js';
import type { Job, RunTrigger, SchedulerEvents } from './types.js';

/**
 * Jobs of one claim are advanced one after another while their leases run: a small batch keeps the last of
 * them well inside `leaseMs`, and leaves the rest of a burst to other instances (a full batch claims again).
 */
const CLAIM_BATCH = 50;
/** Quartz's misfire threshold: an occurrence later than this counts as missed, and `catchUp` applies. */
export const GRACE_MS = 60_000;
/**
 * How far ahead of their due time jobs are claimed (Quartz's `batchTriggerAcquisitionFireAheadTimeWindow`):
 * a job due within this window is claimed, planned and advanced early, its run recorded `queued`, and the
 * run starts at its scheduled time from the tracker's one start timer. The claim work of a burst of due jobs
 * is then done before the instant rather than after it, and only the start of each run is left for the due
 * instant. Capped at a tenth of `leaseMs`, so a run's lease always covers its wait.
 */
export const FIRE_AHEAD_MS = 500;

export interface ClaimLoopOptions {
  storage: Storage;
  clock: Clock;
  emitter: Emitter<SchedulerEvents>;
  tracker: RunTracker;
  instanceId: string;
  leaseMs: number;
  pollIntervalMs: number;
  maxMissedEvents: number;
  unref: boolean;
  onError: (error: unknown) => void;
}

/**
 * The scheduler's heartbeat. One {@link WakeTimer} is armed for the earliest of: the store's next due job,
 * the next lease renewal, and (with shared storage) the next poll. Each wake claims due jobs from storage
 * (atomically, so each occurrence goes to one instance), plans their occurrences per `catchUp` and `overlap`,
 * records the runs with the job's next occurrence in one `advanceJob`, and hands the runs to the tracker.
 */
export class ClaimLoop {
  readonly #o: ClaimLoopOptions;
  readonly #timer: WakeTimer;
  #running = false;
  #ticking = false;
  /** Settles when the tick in progress (if any) has finished. */
  #tickDone: Promise<void> = Promise.resolve();
  #tickAgain = false;
  #nextRenewAt = 0;
  #nextRecoveryAt = 0;
  /** The fire-ahead window in effect (see {@link FIRE_AHEAD_MS}). */
  readonly #aheadMs: number;
  readonly #planOptions: { graceMs: number; maxMissed: number };

  constructor(options: ClaimLoopOptions) {
    this.#o = options;
    this.#aheadMs = Math.min(FIRE_AHEAD_MS, Math.floor(options.leaseMs / 10));
    this.#planOptions = { graceMs: GRACE_MS, maxMissed: options.maxMissedEvents };
    this.#timer = new WakeTimer(options.clock, () => void this.tick(), {
      unref: options.unref,
      maxWaitMs: options.storage.shared ? options.pollIntervalMs : 60_000,
    });
  }

  /**
   * Recovers orphaned runs and claims one batch, then returns: under a backlog the rest is claimed by the
   * timer, so `scheduler.start()` resolves even while jobs keep falling due faster than they are claimed.
   */
  async start(): Promise<void> {
    this.#running = true;
    await this.tick(1);
  }

  /**
   * Stops claiming and resolves once a claim in progress has handed its runs to the tracker, or after
   * `timeoutMs` on the clock (a storage call that hangs must not hang `stop()`): a batch already claimed is
   * still advanced (its leases are ours), so `scheduler.stop()` waits for it before stopping the tracker, or
   * its runs would reach the tracker (and storage) after `stop()` returned.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.#running = false;
    this.#timer.cancel();
    const giveUp = new AbortController();
    await Promise.race([this.#tickDone, sleep(this.#o.clock, timeoutMs, giveUp.signal).catch(() => {})]);
    giveUp.abort();
  }

  /** Makes sure the loop claims a job due at `at` in time (a job was added or changed). */
  wakeAt(at: number): void {
    if (this.#running) this.#timer.wakeAt(at - this.#aheadMs);
  }

  /**
   * Hands a run to the tracker (claimed, manual trigger, recovery), keeping its lease renewed. `manual`: how
   * `triggerJob` hands its run over (see {@link RunTracker.execute}).
   */
  execute(
    job: JobRecord,
    run: RunRecord,
    jitterMs = 0,
    after?: Promise<unknown>,
    gate?: StartGate,
    manual?: ManualHandOver,
  ): Promise<RunRecord | null> {
    if (this.#o.tracker.size === 0) this.#nextRenewAt = this.#o.clock.now() + Math.floor(this.#o.leaseMs / 3);
    const done = this.#o.tracker.execute(job, run, jitterMs, after, gate, manual);
    if (this.#running) this.#timer.wakeAt(this.#nextRenewAt);
    return done;
  }

  /** A new run leased to this instance from `now`; see {@link newRunRecord} for `keyIsId`. */
  newRun(
    job: JobRecord,
    scheduledAt: number,
    trigger: RunTrigger,
    status: RunRecord['status'],
    keyIsId = false,
    now = this.#o.clock.now(),
  ): RunRecord {
    const lease = { instanceId: this.#o.instanceId, until: now + this.#o.leaseMs, now };
    return newRunRecord(job, scheduledAt, trigger, status, lease, keyIsId);
  }

  /** Claims due jobs, batch after batch (at most `maxBatches`), then re-arms the timer. */
  async tick(maxBatches = Number.POSITIVE_INFINITY): Promise<void> {
    if (!this.#running) return;
    if (this.#ticking) {
      this.#tickAgain = true;
      return;
    }
    this.#ticking = true;
    let tickFinished = () => {};
    this.#tickDone = new Promise<void>((resolve) => {
      tickFinished = resolve;
    });
    let batches = 0;
    try {
      do {
        this.#tickAgain = false;
        const now = this.#o.clock.now();
        await this.#maintainLeases(now);
        // Jobs due within the fire-ahead window are claimed now; their runs wait for their instant.
        const claimed = await this.#o.storage.claimDueJobs({
          now: new Date(now + this.#aheadMs),
          limit: CLAIM_BATCH,
          instanceId: this.#o.instanceId,
          leaseMs: this.#o.leaseMs,
        });
        for (const job of claimed) {
          try {
            await this.#processClaim(job, now);
          } catch (error) {
            // Our lease on this job ran out before we got to it (a long batch, a pause) and another instance
            // took it over: nothing of ours was recorded and the occurrences are its now. Go on with the rest
            // of the batch, which would otherwise wait for its own leases to expire.
            if (!(error instanceof CronhookError && error.code === 'ERR_LEASE_LOST')) throw error;
            this.#o.onError(error);
          }
        }
        if (claimed.length === CLAIM_BATCH) {
          this.#tickAgain = true;
          // With in-process storage every await above settles as a microtask: without a turn of the event
          // loop between batches, a burst of thousands of due jobs would starve timers and sockets (the runs
          // it just started included).
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      } while (this.#tickAgain && this.#running && ++batches < maxBatches);
    } catch (error) {
      this.#o.onError(error);
    } finally {
      this.#ticking = false;
      tickFinished();
    }
    await this.#arm();
  }

  async #arm(): Promise<void> {
    if (!this.#running) return;
    const now = this.#o.clock.now();
    try {
      let at = (await this.#o.storage.nextDueAt())?.getTime() ?? Number.POSITIVE_INFINITY;
      at -= this.#aheadMs;
      if (this.#o.tracker.size > 0) at = Math.min(at, this.#nextRenewAt);
      if (this.#o.storage.shared) at = Math.min(at, now + this.#o.pollIntervalMs);
      if (Number.isFinite(at)) this.#timer.reset(Math.max(at, now));
      else this.#timer.cancel();
    } catch (error) {
      this.#o.onError(error);
      this.#timer.reset(now + this.#o.pollIntervalMs);
    }
  }

  /** Renews our runs' leases and takes over runs whose instance died. */
  async #maintainLeases(now: number): Promise<void> {
    const { leaseMs, instanceId, storage, tracker } = this.#o;
    if (tracker.size > 0 && now >= this.#nextRenewAt) {
      await storage.renewRunLeases({ instanceId, runIds: tracker.runIds(), until: new Date(now + leaseMs) });
      this.#nextRenewAt = now + Math.floor(leaseMs / 3);
    }
    if (now < this.#nextRecoveryAt) return;
    this.#nextRecoveryAt = now + (storage.shared ? Math.floor(leaseMs / 2) : Number.POSITIVE_INFINITY);
    const orphans = await storage.claimExpiredRuns({
      now: new Date(now),
      limit: CLAIM_BATCH,
      instanceId,
      leaseMs,
    });
    for (const run of orphans) await this.#recover(run, now);
  }

  /**
   * A run whose instance died: a queued one simply runs here; a running one is recorded as failed with
   * `ERR_LEASE_EXPIRED` and, when its job's retry policy has attempts left, runs again.
   */
  async #recover(run: RunRecord, now: number): Promise<void> {
    const { storage, emitter } = this.#o;
    const job = await storage.getJob(run.jobId);
    if (!job) return;
    if (run.status === 'queued') {
      void this.execute(job, run);
      return;
    }
    run.status = 'failed';
    run.finishedAt = new Date(now);
    run.error = {
      code: 'ERR_LEASE_EXPIRED',
      message: 'The instance running this run stopped renewing its lease',
    };
    run.lockedUntil = null;
    // The retry is stored before the run is closed: should this instance die in between, the run is still
    // running under a lease and is recovered again, and the retry's key (made from the run's id) is not
    // inserted twice. Closing the run first would lose the retry with such a crash.
    let retry: RunRecord | null = null;
    if (run.attempts < job.retry.attempts) {
      retry = this.newRun(job, run.scheduledAt.getTime(), 'retry-after-crash', 'queued');
      retry.occurrenceKey = `${run.occurrenceKey}:recovery:${run.id}`;
      if (!(await storage.insertRun(retry))) retry = null;
    }
    const at = new Date(now);
    await emitter.emit('job.failed', {
      type: 'job.failed',
      at,
      job: toPublicJob(job),
      run: toPublicRun(run),
      error: run.error,
    });
    await storage.updateRun(run);
    if (retry !== null) void this.execute(job, retry);
  }

  async #processClaim(job: JobRecord, now: number): Promise<void> {
    const { storage, emitter, tracker } = this.#o;
    // A job claimed ahead is planned at its due instant: that occurrence is on time, the next one is next.
    const dueAt = job.nextRunAt?.getTime() ?? now;
    const planAt = dueAt > now ? Math.min(dueAt, now + this.#aheadMs) : now;
    const ahead = planAt > now;
    const plan = planOccurrences(job, planAt, this.#planOptions);
    // Overlap of a run claimed ahead is judged at its start instant (see #overlapGate), not now.
    let busy = !ahead && tracker.isBusy(job.id);
    if (!ahead && !busy && job.overlap === 'skip' && storage.shared && plan.occurrences.length > 0) {
      busy =
        (await storage.listRuns({ jobId: job.id, statuses: ['queued', 'running'], limit: 1 })).length > 0;
    }
    // Overlap is judged against runs from earlier claims; this claim's own runs go in order (see below).
    const runStatus = job.overlap === 'skip' && busy ? 'skipped' : 'queued';
    const runs: RunRecord[] = [];
    for (const o of plan.occurrences)
      runs.push(this.newRun(job, o.at, o.trigger, o.action === 'missed' ? 'missed' : runStatus));
    const inserted = await storage.advanceJob({
      jobId: job.id,
      instanceId: this.#o.instanceId,
      nextRunAt: plan.nextRunAt,
      runCount: plan.runCount,
      runs,
    });
    let publicJob: Job | undefined;
    // Several occurrences of one claim (catch-up { max }) run in order, one after the other.
    let previous: Promise<unknown> | undefined;
    for (const run of inserted) {
      if (run.status === 'missed' || run.status === 'skipped') {
        const type = run.status === 'missed' ? 'job.missed' : 'job.skipped';
        if (emitter.listenerCount(type) === 0) continue;
        publicJob ??= toPublicJob(job);
        const base = { at: new Date(this.#o.clock.now()), job: publicJob, run: toPublicRun(run) };
        // Awaited: the notifier stores its job.execution.missed message before the loop moves on.
        if (type === 'job.missed') await emitter.emit(type, { type, ...base });
        else void emitter.emit(type, { type, ...base, reason: 'overlap' });
      } else {
        const jitter = jitterFor(job.id, run.scheduledAt.getTime(), job.jitterMs);
        const after = job.overlap === 'allow' ? undefined : previous;
        const gate = ahead && job.overlap === 'skip' ? this.#overlapGate : undefined;
        const done = this.execute(job, run, jitter, after, gate);
        previous = done;
      }
    }
  }

  /**
   * For a run of an `overlap: 'skip'` job claimed ahead: at its start instant, the run goes ahead unless
   * another run of the job is still in flight (here, or with shared storage anywhere); then it is recorded
   * `skipped` and `job.skipped` is emitted, as a claim at that instant would have done.
   */
  readonly #overlapGate: StartGate = (job, run) => {
    const busy = this.#o.tracker.activeCount(job.id) > 1;
    return !busy && !this.#o.storage.shared ? true : this.#judgeOverlap(job, run, busy);
  };

  async #judgeOverlap(job: JobRecord, run: RunRecord, busyHere: boolean): Promise<boolean> {
    const { storage, emitter, clock } = this.#o;
    let busy = busyHere;
    if (!busy) {
      const active = await storage.listRuns({ jobId: job.id, statuses: ['queued', 'running'], limit: 2 });
      busy = active.some((r) => r.id !== run.id);
    }
    if (!busy) return true;
    run.status = 'skipped';
    run.lockedUntil = null;
    await storage.updateRun(run);
    if (emitter.listenerCount('job.skipped') > 0) {
      void emitter.emit('job.skipped', {
        type: 'job.skipped',
        at: new Date(clock.now()),
        job: toPublicJob(job),
        run: toPublicRun(run),
        reason: 'overlap',
      });
    }
    return false;
  }
}
