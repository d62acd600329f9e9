import type { Clock } from '../../../clock.js';
import { sleep } from '../../../clock.js';
import { CronhookError } from '../../../errors.js';
import { LinkedSet } from '../../../linked-set.js';
import type { JobRecord, RunRecord, Storage } from '../../../storage/types.js';
import type { Run } from '../../types.js';
import { toPublicRun } from '../records/run-records.js';
import { RunController } from '../runner/run-controller.js';
import type { Runner } from '../runner/runner.js';
import { type ActiveRun, abortRun, type ManualHandOver, NOT_MANUAL, type StartGate } from './active-run.js';
import { ConcurrencySlots } from './concurrency-slots.js';
import { StartWaits } from './start-waits.js';
import { StartedRuns } from './started-runs.js';

export interface RunTrackerOptions {
  storage: Storage;
  clock: Clock;
  runner: Runner;
  concurrency: number;
  runRetention: number;
  onError: (error: unknown) => void;
}

/**
 * The runs of this instance from the moment they are claimed until they settle: their wait for their start
 * instant (a run claimed ahead of its scheduled time, plus its jitter), their place in a job's
 * `overlap: 'queue'` chain and in the global concurrency limit, and their abort controllers for `stop()` and
 * `removeJob()`.
 *
 * What a run waits for before it starts is StartWaits' (all runs due at one instant start from one timer
 * callback, in the order they were handed over); what becomes of it once started, StartedRuns'. Aborts are
 * forwarded by hand (one `AbortController` per run, no `AbortSignal.any`), which keeps the per-run cost low.
 */
export class RunTracker {
  readonly #o: RunTrackerOptions;
  /** Runs handed over and not settled, in hand-over order. */
  readonly #active = new LinkedSet<ActiveRun>();
  /**
   * Runs held per job. A job's count stays at 0 rather than leaving the map while the map is small (see
   * {@link KEEP_ZERO_COUNTS}): a job run again and again (`triggerJob` in a loop) then updates its entry in
   * place, where deleting it at every run's end and inserting it at the next start churned the table.
   */
  readonly #activeByJob = new Map<string, number>();
  readonly #jobChains = new Map<string, Promise<unknown>>();
  /** What runs wait for before they start. */
  readonly #waits: StartWaits;
  readonly #slots: ConcurrencySlots;
  /** What becomes of a run once it holds a slot. */
  readonly #started: StartedRuns;
  /** Set by `stop()` once running runs are aborted: runs handed over later are released at once. */
  #stopReason: CronhookError | null = null;

  constructor(options: RunTrackerOptions) {
    this.#o = options;
    this.#slots = new ConcurrencySlots(options.concurrency);
    this.#started = new StartedRuns({ ...options, slots: this.#slots, settled: (a) => this.#settled(a) });
    this.#waits = new StartWaits(options.clock, options.runner, this.#slots, this.#started);
  }

  get size(): number {
    return this.#active.size;
  }

  runIds(): string[] {
    const ids: string[] = [];
    for (const active of this.#active) ids.push(active.run.id);
    return ids;
  }

  isBusy(jobId: string): boolean {
    return (this.#activeByJob.get(jobId) ?? 0) > 0;
  }

  /** Runs of `jobId` handed to this tracker and not yet settled. */
  activeCount(jobId: string): number {
    return this.#activeByJob.get(jobId) ?? 0;
  }

  /**
   * Runs holding a slot, and runs waiting (for their instant, their job's previous run or a slot). A run that
   * ran and is settling (its retention written) is neither.
   */
  stats(): { running: number; queued: number } {
    const slots = this.#slots;
    const waiting = this.#active.size - (slots.taken - slots.reserved) - this.#started.ending;
    return { running: slots.taken, queued: waiting };
  }

  /**
   * Takes a concurrency slot for a manual run of `job` that could start at once (a slot is free, the
   * scheduler is not stopping, and the job does not queue its runs), so that the run can be stored `running`
   * right away: one write instead of an insert and a "running" update. The run must then be handed over
   * with `reserved: true`, or the slot given back with {@link cancelReservation}.
   */
  reserveStart(job: JobRecord): boolean {
    if (this.#stopReason !== null || this.#slots.full || job.overlap === 'queue') return false;
    this.#slots.reserve();
    return true;
  }

  /**
   * The leases of the runs held here were renewed at `now` until `until`; `confirmed` are the ids storage says
   * it renewed (null when it does not say). Those runs carry the new lease, so the write that starts a run
   * stores the lease as renewed, not as claimed: a run that waited longer than `leaseMs` (for its instant, a
   * slot, or its job's previous run) was stored `running` with a lease long past, and another instance's
   * recovery took it over while it ran. A run storage did not renew keeps its lease: another instance took it
   * over (maybe while the renewal was on its way), and once that lease has run out this instance neither starts
   * it nor emits its outcome. Without `confirmed`, each run whose lease had not run out by `now` is taken as
   * renewed (no other instance could claim those meanwhile; one whose lease had run out may have been).
   */
  renewed(now: number, until: number, confirmed: readonly string[] | null): void {
    const renewed = confirmed === null ? null : new Set(confirmed);
    let lease: Date | undefined;
    for (const { run } of this.#active) {
      if (
        renewed === null ? run.lockedUntil === null || run.lockedUntil.getTime() <= now : !renewed.has(run.id)
      )
        continue;
      lease ??= new Date(until);
      run.lockedUntil = lease;
    }
  }

  /** Gives back a slot taken by {@link reserveStart} for a run that will not be handed over. */
  cancelReservation(): void {
    this.#slots.cancelReservation();
  }

  /** Aborts the runs of a job (it was removed). */
  abortJob(jobId: string, reason: CronhookError): void {
    for (const active of [...this.#active]) {
      if (active.run.jobId !== jobId) continue;
      active.jobRemoved = true;
      abortRun(active, reason);
    }
  }

  /**
   * Runs `run` after `after` settles (ordered catch-up) or after the job's previous run (`overlap: 'queue'`),
   * then at its scheduled time (when that is still ahead: runs are claimed slightly early) plus its jitter,
   * then when a concurrency slot is free. `gate`, when given, is asked at the start instant whether the run
   * still goes ahead (false: it was settled otherwise, e.g. skipped). `manual`: how `triggerJob` hands its
   * run over. Resolves with the finished run.
   */
  execute(
    job: JobRecord,
    run: RunRecord,
    jitterMs: number,
    after?: Promise<unknown>,
    gate?: StartGate,
    manual: ManualHandOver = NOT_MANUAL,
  ): Promise<RunRecord | null> {
    const active = this.#hold(job, run, manual);
    const previous = after ?? (job.overlap === 'queue' ? this.#jobChains.get(job.id) : undefined);
    // A reserved run (triggerJob's, a slot held, stored `running`) starts at once: nothing to wait for.
    const done =
      manual.reserved && active.abortReason === null
        ? this.#started.start(active, true, manual.startedNow)
        : this.#waits.wait(active, jitterMs, previous, gate, manual);
    active.done = done;
    // (A run released before its first await has left #active already and chains nothing.)
    if (job.overlap === 'queue' && this.#active.has(active)) this.#jobChains.set(job.id, done);
    return done;
  }

  /**
   * Runs a reserved run of `triggerJob`'s (`manual.reserved`: see {@link reserveStart}), and resolves with
   * its public view once it has finished: made in the continuation that ends the run, not in one more
   * `.then` on {@link execute}'s promise (a promise, a closure and a turn of the microtask queue per run).
   */
  executeReserved(job: JobRecord, run: RunRecord, manual: ManualHandOver): Promise<Run> {
    const active = this.#hold(job, run, manual);
    // Reserved runs are of jobs that do not queue their runs: nothing to wait for, no chain to join.
    const done =
      active.abortReason === null
        ? this.#started.startReserved(active, manual.startedNow)
        : this.#waits.wait(active, 0, undefined, undefined, manual).then((f) => toPublicRun(f ?? run));
    active.done = done;
    return done;
  }

  /** `run`, handed over: held here (and counted for its job) until it settles. */
  #hold(job: JobRecord, run: RunRecord, manual: ManualHandOver): ActiveRun {
    if (manual.reserved) this.#slots.handOverReserved();
    const controller = new RunController();
    const active: ActiveRun = {
      job,
      sharedJob: manual.sharedJob,
      run,
      controller,
      publicJob: undefined,
      handlerArgument: undefined,
      telemetry: null,
      startedNow: false,
      abortReason: null,
      ended: false,
      jobRemoved: false,
      done: NOT_STARTED,
      wait: null,
      listed: false,
      previous: null,
      next: null,
    };
    if (this.#stopReason !== null) abortRun(active, this.#stopReason);
    this.#activeByJob.set(job.id, (this.#activeByJob.get(job.id) ?? 0) + 1);
    this.#active.add(active);
    return active;
  }

  /** The run has settled: it leaves the runs held here (and its job's `overlap: 'queue'` chain). */
  #settled(active: ActiveRun): void {
    const { job } = active;
    if (job.overlap === 'queue' && this.#jobChains.get(job.id) === active.done)
      this.#jobChains.delete(job.id);
    this.#active.delete(active);
    const count = (this.#activeByJob.get(job.id) ?? 1) - 1;
    if (count > 0 || this.#activeByJob.size <= KEEP_ZERO_COUNTS) this.#activeByJob.set(job.id, count);
    else this.#activeByJob.delete(job.id);
  }

  /**
   * Releases runs that have not started, lets running ones finish within `timeoutMs` (on the clock), then
   * aborts the rest with `ERR_STOPPED`.
   */
  async stop(timeoutMs: number): Promise<void> {
    for (const active of [...this.#active]) {
      if (active.run.status === 'queued')
        abortRun(active, new CronhookError('ERR_STOPPED', 'Scheduler stopping'));
    }
    this.#waits.clear();
    const pending = [...this.#active].map((a) => a.done);
    if (pending.length > 0 && timeoutMs > 0) {
      const grace = new AbortController();
      await Promise.race([
        Promise.allSettled(pending),
        sleep(this.#o.clock, timeoutMs, grace.signal).catch(() => {}),
      ]);
      grace.abort();
    }
    this.#stopReason = new CronhookError('ERR_STOPPED', 'The scheduler stopped before the run finished');
    for (const active of [...this.#active]) abortRun(active, this.#stopReason);
    await Promise.allSettled([...this.#active].map((a) => a.done));
  }
}

/** Up to how many jobs' counts stay in the tracker's map at 0 (see RunTracker's `#activeByJob`). */
const KEEP_ZERO_COUNTS = 1024;

/** What an ActiveRun's `done` is until its run is under way (set right after, in `execute`). */
const NOT_STARTED: Promise<RunRecord | null> = Promise.resolve(null);
