import PQueue from 'p-queue';
import type { Clock } from '../clock.js';
import { sleep } from '../clock.js';
import { CronhookError } from '../errors.js';
import type { JobRecord, RunRecord, Storage } from '../storage/types.js';
import type { Runner } from './runner.js';

interface ActiveRun {
  run: RunRecord;
  controller: AbortController;
  /** Settles when the run has finished (null when it was released or failed to start). */
  done: Promise<RunRecord | null>;
}

export interface RunTrackerOptions {
  storage: Storage;
  clock: Clock;
  runner: Runner;
  concurrency: number;
  runRetention: number;
  onError: (error: unknown) => void;
}

/**
 * The runs of this instance from the moment they are claimed until they settle: their jitter wait, their
 * place in the global concurrency queue (p-queue) and in a job's `overlap: 'queue'` chain, and their abort
 * controllers for `stop()` and `removeJob()`.
 */
export class RunTracker {
  readonly #o: RunTrackerOptions;
  readonly #queue: PQueue;
  readonly #active = new Map<string, ActiveRun>();
  readonly #activeByJob = new Map<string, number>();
  readonly #jobChains = new Map<string, Promise<unknown>>();
  readonly #stopController = new AbortController();

  constructor(options: RunTrackerOptions) {
    this.#o = options;
    this.#queue = new PQueue({ concurrency: options.concurrency });
  }

  get size(): number {
    return this.#active.size;
  }

  runIds(): string[] {
    return [...this.#active.keys()];
  }

  isBusy(jobId: string): boolean {
    return (this.#activeByJob.get(jobId) ?? 0) > 0;
  }

  stats(): { running: number; queued: number } {
    return { running: this.#queue.pending, queued: this.#active.size - this.#queue.pending };
  }

  /** Aborts the runs of a job (it was removed). */
  abortJob(jobId: string, reason: CronhookError): void {
    for (const active of this.#active.values())
      if (active.run.jobId === jobId) active.controller.abort(reason);
  }

  /**
   * Runs `run` after `after` settles (ordered catch-up) or after the job's previous run (`overlap: 'queue'`),
   * then after its jitter, then when a concurrency slot is free. Resolves with the finished run.
   */
  execute(
    job: JobRecord,
    run: RunRecord,
    jitterMs: number,
    after?: Promise<unknown>,
  ): Promise<RunRecord | null> {
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, this.#stopController.signal]);
    this.#activeByJob.set(job.id, (this.#activeByJob.get(job.id) ?? 0) + 1);
    const previous = after ?? (job.overlap === 'queue' ? this.#jobChains.get(job.id) : undefined);
    let done: Promise<RunRecord | null> = Promise.resolve(null);
    done = (async (): Promise<RunRecord | null> => {
      try {
        if (previous) await previous.catch(() => {});
        if (jitterMs > 0) await sleep(this.#o.clock, jitterMs, signal);
        const result = await this.#queue.add(() => this.#o.runner.execute(job, run, signal), { signal });
        if (this.#o.runRetention > 0) {
          await this.#o.storage.pruneRuns({ jobId: job.id, keep: this.#o.runRetention });
        }
        return result ?? null;
      } catch (error) {
        if (run.status === 'queued') {
          // Never started: release it so another instance, or the next start, takes it over.
          run.lockedUntil = new Date(0);
          await this.#o.storage.updateRun(run).catch(this.#o.onError);
          return null;
        }
        this.#o.onError(error);
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
    this.#active.set(run.id, { run, controller, done });
    return done;
  }

  /**
   * Releases runs that have not started, lets running ones finish within `timeoutMs` (on the clock), then
   * aborts the rest with `ERR_STOPPED`.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.#queue.clear();
    for (const active of this.#active.values()) {
      if (active.run.status === 'queued')
        active.controller.abort(new CronhookError('ERR_STOPPED', 'Scheduler stopping'));
    }
    const pending = [...this.#active.values()].map((a) => a.done);
    if (pending.length > 0 && timeoutMs > 0) {
      const grace = new AbortController();
      await Promise.race([
        Promise.allSettled(pending),
        sleep(this.#o.clock, timeoutMs, grace.signal).catch(() => {}),
      ]);
      grace.abort();
    }
    this.#stopController.abort(
      new CronhookError('ERR_STOPPED', 'The scheduler stopped before the run finished'),
    );
    await Promise.allSettled([...this.#active.values()].map((a) => a.done));
  }
}
