import type { Clock } from '../../../clock.js';
import type { Emitter } from '../../../events.js';
import { planTakenOver } from '../../../schedule/occurrences.js';
import type { JobRecord, RunRecord, Storage } from '../../../storage/types.js';
import type { SchedulerHooks } from '../../../telemetry/hooks.js';
import { toPublicJob } from '../../jobs/record.js';
import { type MissedReporter, rangeOf, type TakenOver, takenOverEntry } from '../../missed-occurrences.js';
import type { SchedulerEvents } from '../../types.js';
import { toPublicRun } from '../records/run-records.js';
import type { RunHandOver } from '../tracker/active-run.js';
import type { RunTracker } from '../tracker/run-tracker.js';

export interface RunLeasesOptions {
  storage: Storage;
  clock: Clock;
  emitter: Emitter<SchedulerEvents>;
  tracker: RunTracker;
  instanceId: string;
  leaseMs: number;
  /** Most orphaned runs taken over in one pass. */
  batch: number;
  misfireThresholdMs: number;
  missed: MissedReporter;
  handOver: RunHandOver;
  telemetry: SchedulerHooks | null;
}

/**
 * The leases of runs. This instance renews the leases of its runs every third of `leaseMs`, and takes over
 * the runs of instances that stopped renewing theirs (with shared storage every half lease, else once, at
 * start): a queued one runs here or is missed, per its job's catch-up; a running one is recorded as failed
 * and retried.
 */
export class RunLeases {
  readonly #o: RunLeasesOptions;
  #nextRenewAt = 0;
  #nextRecoveryAt = 0;

  constructor(options: RunLeasesOptions) {
    this.#o = options;
  }

  /** When our runs' leases are next renewed (meaningful while the tracker holds runs). */
  get nextRenewAt(): number {
    return this.#nextRenewAt;
  }

  /** Called before a run is handed to the tracker: the first run of an idle tracker starts the renewals. */
  beforeHandOver(): void {
    if (this.#o.tracker.size === 0) this.#nextRenewAt = this.#o.clock.now() + Math.floor(this.#o.leaseMs / 3);
  }

  /**
   * Renews our runs' leases and takes over runs whose instance stopped or died; what it takes over of a
   * job's occurrences goes into `takenOver`, for the claim of the job in the same tick.
   */
  async maintain(now: number, takenOver: Map<string, TakenOver>): Promise<void> {
    const { leaseMs, instanceId, storage, tracker } = this.#o;
    if (tracker.size > 0 && now >= this.#nextRenewAt) {
      const runIds = tracker.runIds();
      const renewed = await storage.renewRunLeases({ instanceId, runIds, until: new Date(now + leaseMs) });
      tracker.renewed(now, now + leaseMs, renewed ?? null);
      this.#nextRenewAt = now + Math.floor(leaseMs / 3);
    }
    if (now < this.#nextRecoveryAt) return;
    this.#nextRecoveryAt = now + (storage.shared ? Math.floor(leaseMs / 2) : Number.POSITIVE_INFINITY);
    const orphans = await storage.claimExpiredRuns({
      now: new Date(now),
      limit: this.#o.batch,
      instanceId,
      leaseMs,
    });
    for (const run of orphans) await this.#recover(run, now, takenOver);
  }

  /**
   * A run whose instance stopped or died. A queued one (released by `stop()`, or left by a crash) is an
   * occurrence that never started: it runs here, or is recorded missed, as its job's catch-up decides with
   * the job's own due occurrences (see {@link planTakenOver}). A running one is recorded as failed with
   * `ERR_LEASE_EXPIRED` and, when its job's retry policy has attempts left, runs again.
   */
  async #recover(run: RunRecord, now: number, takenOver: Map<string, TakenOver>): Promise<void> {
    const { storage, emitter, handOver } = this.#o;
    const job = await storage.getJob(run.jobId);
    if (!job) return;
    if (run.status === 'queued') {
      if (run.trigger !== 'schedule' && run.trigger !== 'catch-up') {
        void handOver.execute(job, run);
        return;
      }
      const planned = planTakenOver(
        job,
        run.scheduledAt.getTime(),
        now,
        await this.#newerRecorded(job, run),
        {
          misfireThresholdMs: this.#o.misfireThresholdMs,
        },
      );
      const entry = takenOverEntry(takenOver, job);
      if (planned === null) {
        run.status = 'missed';
        run.lockedUntil = null;
        await storage.updateRun(run);
        this.#o.telemetry?.runRecorded(job, run);
        entry.missed.push(run);
        if (this.#o.missed.mode === 'each') await this.#o.missed.report(job, [run], rangeOf([run]));
        return;
      }
      run.trigger = planned.trigger;
      entry.running.add(run.id);
      const done = handOver.execute(job, run);
      entry.done = Promise.all([entry.done, done]);
      return;
    }
    const claimedUntil = run.lockedUntil;
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
      retry = handOver.newRun(job, run.scheduledAt.getTime(), 'retry-after-crash', 'queued');
      retry.occurrenceKey = `${run.occurrenceKey}:recovery:${run.id}`;
      if (!(await storage.insertRun(retry))) retry = null;
    }
    // Our claim of the run ran out meanwhile (this instance paused): another instance may have taken it over in
    // turn. Stored first then, and emitted only once storage took it; refused, it is that instance's to report.
    const claimLost = claimedUntil !== null && claimedUntil.getTime() <= this.#o.clock.now();
    if (claimLost) await storage.updateRun(run);
    const at = new Date(now);
    await emitter.emit('job.failed', {
      type: 'job.failed',
      at,
      job: toPublicJob(job),
      run: toPublicRun(run),
      error: run.error,
    });
    if (!claimLost) await storage.updateRun(run);
    this.#o.telemetry?.runRecorded(job, run);
    if (retry !== null) void handOver.execute(job, retry);
  }

  /** How many occurrences of `job` after `run`'s were recorded already (run, missed or skipped). */
  async #newerRecorded(job: JobRecord, run: RunRecord): Promise<number> {
    const enough = typeof job.catchUp === 'object' ? job.catchUp.max : 1;
    const recent = await this.#o.storage.listRuns({ jobId: job.id, limit: enough + 1 });
    return recent.filter((r) => r.trigger !== 'manual' && r.scheduledAt > run.scheduledAt).length;
  }
}
