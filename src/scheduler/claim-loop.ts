import { type Clock, sleep } from '../clock.js';
import { CronhookError, type CronhookErrorCode, toErrorInfo } from '../errors.js';
import type { Emitter } from '../events.js';
import type { JobRecord, RunRecord, Storage } from '../storage/types.js';
import type { SchedulerHooks } from '../telemetry/hooks.js';
import { WakeTimer } from '../timer.js';
import { ClaimAdvance } from './claim-advance.js';
import type { ClaimLoopHealth } from './health.js';
import { MissedReporter, type TakenOver } from './missed-occurrences.js';
import { RunLeases } from './runs/cluster/run-leases.js';
import { RunRequests } from './runs/cluster/run-requests.js';
import { newRunRecord } from './runs/records/run-records.js';
import type { ManualHandOver, RunHandOver, StartGate } from './runs/tracker/active-run.js';
import type { RunTracker } from './runs/tracker/run-tracker.js';
import type { MissedEvents, Run, RunTrigger, SchedulerEvents } from './types.js';

/**
 * Jobs of one claim are advanced one after another while their leases run: a small batch keeps the last of
 * them well inside `leaseMs`, and leaves the rest of a burst to other instances (a full batch claims again).
 */
const CLAIM_BATCH = 50;
/** Errors that fail one claimed job only: the claim goes on with the rest of its batch. */
const PER_JOB_ERRORS = new Set<CronhookErrorCode>(['ERR_LEASE_LOST', 'ERR_INVALID_SCHEDULE']);
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
  misfireThresholdMs: number;
  missedEvents: MissedEvents;
  maxMissedEvents: number;
  runRetention: number;
  unref: boolean;
  telemetry: SchedulerHooks | null;
  /** The handlers this instance has: run requests of jobs calling others are left to other instances. */
  handlers: ReadonlyMap<string, unknown>;
  onError: (error: unknown) => void;
}

/**
 * The scheduler's heartbeat. One {@link WakeTimer} is armed for the earliest of: the store's next due job,
 * the next lease renewal, and (with shared storage) the next poll. Each wake maintains the run leases
 * ({@link RunLeases}), takes run requests ({@link RunRequests}), claims due jobs from storage (atomically, so each occurrence goes to one instance) in
 * batches, and advances each claimed job ({@link ClaimAdvance}: plan, record, hand the runs to the tracker).
 */
export class ClaimLoop implements RunHandOver {
  readonly #o: ClaimLoopOptions;
  readonly #timer: WakeTimer;
  #running = false;
  #ticking = false;
  /** Settles when the tick in progress (if any) has finished. */
  #tickDone: Promise<void> = Promise.resolve();
  #tickAgain = false;
  /** Clock time the pass in progress started at, the last pass finished at, and its error code. */
  #tickStartedAt = 0;
  #lastTickAt: number | null = null;
  #lastError: string | null = null;
  /** The fire-ahead window in effect (see {@link FIRE_AHEAD_MS}). */
  readonly #aheadMs: number;
  readonly #leases: RunLeases;
  readonly #claims: ClaimAdvance;
  /** Runs asked for through storage ("run now" from anywhere), taken on this loop. */
  readonly requests: RunRequests;

  constructor(options: ClaimLoopOptions) {
    this.#o = options;
    this.#aheadMs = Math.min(FIRE_AHEAD_MS, Math.floor(options.leaseMs / 10));
    const missed = new MissedReporter(options);
    this.#leases = new RunLeases({ ...options, missed, batch: CLAIM_BATCH, handOver: this });
    this.#claims = new ClaimAdvance({ ...options, missed, aheadMs: this.#aheadMs, handOver: this });
    this.requests = new RunRequests({ ...options, batch: CLAIM_BATCH, handOver: this });
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

  /** Storage tells of a change made elsewhere: due jobs may have moved, and a run request may wait. */
  changed(): void {
    this.requests.wake();
    this.wakeAt(this.#o.clock.now());
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
    this.#leases.beforeHandOver();
    const done = this.#o.tracker.execute(job, run, jitterMs, after, gate, manual);
    if (this.#running) this.#timer.wakeAt(this.#leases.nextRenewAt);
    return done;
  }

  /** {@link execute} for a reserved run of `triggerJob`'s: see RunTracker.executeReserved. */
  executeReserved(job: JobRecord, run: RunRecord, manual: ManualHandOver): Promise<Run> {
    this.#leases.beforeHandOver();
    const done = this.#o.tracker.executeReserved(job, run, manual);
    if (this.#running) this.#timer.wakeAt(this.#leases.nextRenewAt);
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
    this.#tickStartedAt = this.#o.clock.now();
    let tickFinished = () => {};
    this.#tickDone = new Promise<void>((resolve) => {
      tickFinished = resolve;
    });
    let batches = 0;
    // Occurrences recovery takes over in this tick, by job, for the claim of the same job (see TakenOver).
    const takenOver = new Map<string, TakenOver>();
    try {
      do {
        this.#tickAgain = false;
        const now = this.#o.clock.now();
        await this.#leases.maintain(now, takenOver);
        await this.requests.take(now);
        // Jobs due within the fire-ahead window are claimed now; their runs wait for their instant.
        const claimed = await this.#o.storage.claimDueJobs({
          now: new Date(now + this.#aheadMs),
          limit: CLAIM_BATCH,
          instanceId: this.#o.instanceId,
          leaseMs: this.#o.leaseMs,
        });
        for (const job of claimed) {
          try {
            const taken = takenOver.get(job.id);
            takenOver.delete(job.id);
            await this.#claims.advance(job, now, taken);
          } catch (error) {
            // Nothing of this job was recorded; go on with the rest of the batch, which would otherwise wait
            // for its own leases to expire. ERR_LEASE_LOST: our lease ran out before we got to the job (a long
            // batch, a pause) and another instance took it over; the occurrences are its now.
            // ERR_INVALID_SCHEDULE: its stored schedule does not compute (a row edited by hand, a faulty
            // adapter); it keeps our lease until it expires, then is claimed and reported again, until the
            // app fixes it with updateJob.
            if (!(error instanceof CronhookError && PER_JOB_ERRORS.has(error.code))) throw error;
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
      this.#lastError = null;
      for (const taken of takenOver.values()) await this.#claims.reportTakenOver(taken);
    } catch (error) {
      this.#lastError = toErrorInfo(error, 'ERR_STORAGE').code;
      this.#o.onError(error);
    } finally {
      this.#lastTickAt = this.#o.clock.now();
      this.#ticking = false;
      tickFinished();
    }
    // A pass that failed is retried after a poll interval, not at once: due jobs it could not claim would
    // otherwise re-arm the timer for "now" again and again while the storage keeps failing.
    await this.#arm(this.#lastError === null ? 0 : this.#o.pollIntervalMs);
  }

  /** How the loop is doing at `now` (see `Scheduler.health()`). */
  health(now: number): Omit<ClaimLoopHealth, 'ok'> {
    const target = this.#timer.target;
    const overdueMs = this.#ticking
      ? now - this.#tickStartedAt
      : target !== null && this.#running
        ? Math.max(0, now - target)
        : 0;
    return {
      lastTickAt: this.#lastTickAt === null ? null : new Date(this.#lastTickAt),
      overdueMs,
      error: this.#lastError,
    };
  }

  /** Arms the timer for the next due job, lease renewal or poll, `backoffMs` from now at the soonest. */
  async #arm(backoffMs = 0): Promise<void> {
    if (!this.#running) return;
    const now = this.#o.clock.now();
    try {
      let at = (await this.#o.storage.nextDueAt())?.getTime() ?? Number.POSITIVE_INFINITY;
      at -= this.#aheadMs;
      if (this.#o.tracker.size > 0) at = Math.min(at, this.#leases.nextRenewAt);
      if (this.#o.storage.shared) at = Math.min(at, now + this.#o.pollIntervalMs);
      if (Number.isFinite(at)) this.#timer.reset(Math.max(at, now + backoffMs));
      else this.#timer.cancel();
    } catch (error) {
      this.#o.onError(error);
      this.#timer.reset(now + this.#o.pollIntervalMs);
    }
  }
}
