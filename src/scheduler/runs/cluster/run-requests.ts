import { type Clock, sleep } from '../../../clock.js';
import { CronhookError, describeValue } from '../../../errors.js';
import type { Emitter } from '../../../events.js';
import type { ClaimedRunRequests, JobRecord, RunRecord, Storage } from '../../../storage/types.js';
import type { SchedulerHooks } from '../../../telemetry/hooks.js';
import { toPublicJob } from '../../jobs/record.js';
import { FINISHED_RUN_STATUSES, type Run, type SchedulerEvents } from '../../types.js';
import { newRunRecord, toPublicRun } from '../records/run-records.js';
import type { RunHandOver } from '../tracker/active-run.js';

/** Options of `scheduler.requestRun`. */
export interface RequestRunOptions {
  /**
   * How long running instances have to take the request (1 s to 1 day). A request none took by then never
   * runs: it is recorded `skipped` with `ERR_REQUEST_EXPIRED`, and `waitForRun` reports it so.
   * @default 60_000
   */
  expiresInMs?: number;
}

/** Options of `scheduler.waitForRun`. */
export interface WaitForRunOptions {
  /** Stop waiting after this long, rejecting with `ERR_TIMEOUT` (the run goes on). @default no limit */
  timeoutMs?: number;
  /** How often the run is read from storage while it is not finished (50 ms to 60 s). @default 250 */
  pollIntervalMs?: number;
  /** Stops waiting, rejecting with the signal's reason (the run goes on). */
  signal?: AbortSignal;
}

export interface RunRequestsOptions {
  storage: Storage;
  clock: Clock;
  emitter: Emitter<SchedulerEvents>;
  instanceId: string;
  leaseMs: number;
  pollIntervalMs: number;
  /** Most requests taken in one claim. */
  batch: number;
  /** The handlers this instance has (registered with `scheduler.handle`). */
  handlers: ReadonlyMap<string, unknown>;
  handOver: RunHandOver;
  telemetry: SchedulerHooks | null;
}

const FINISHED: ReadonlySet<Run['status']> = new Set(FINISHED_RUN_STATUSES);

/**
 * "Run now" asked through storage, from any process (the CLI, a dashboard, another instance): a request is a
 * run stored `queued` with no instance, its expiry as its lease (`Storage.claimRunRequests`). A started
 * scheduler takes those it can run — HTTP jobs, and handler jobs whose handler it has — on its claim loop:
 * when one was made here, when storage tells of a change (LISTEN/NOTIFY, the SQLite change watcher), and with
 * shared storage every `pollIntervalMs`. The expired ones it records as skipped.
 */
export class RunRequests {
  readonly #o: RunRequestsOptions;
  /** A request may be waiting: look at the next tick. */
  #due = true;
  #nextPollAt = 0;

  constructor(options: RunRequestsOptions) {
    this.#o = options;
  }

  /** Someone may have made a request (here, or in another process that changed storage). */
  wake(): void {
    this.#due = true;
  }

  /** Stores a request to run `job`; resolves with the run as stored (queued, no instance yet). */
  async request(job: JobRecord, options: RequestRunOptions): Promise<Run> {
    const { storage, clock } = this.#o;
    const expiresInMs = checkRange(
      'requestRun',
      'expiresInMs',
      options.expiresInMs ?? 60_000,
      1_000,
      86_400_000,
    );
    if (storage.claimRunRequests === undefined) {
      throw new CronhookError(
        'ERR_NOT_SUPPORTED',
        `requestRun(${JSON.stringify(job.id)}): this storage cannot hand runs to other instances (it has no ` +
          'claimRunRequests); run the job with triggerJob in an instance that has its handler',
        { field: 'storage' },
      );
    }
    const now = clock.now();
    const run = newRunRecord(
      job,
      now,
      'manual',
      'queued',
      { instanceId: '', until: now + expiresInMs, now },
      true,
    );
    run.instanceId = null;
    await storage.insertRun(run);
    this.wake();
    return toPublicRun(run);
  }

  /** Takes the requests this instance can run, and records the expired ones, when one may be waiting. */
  async take(now: number): Promise<void> {
    const { storage, batch } = this.#o;
    if (storage.claimRunRequests === undefined || (!this.#due && now < this.#nextPollAt)) return;
    this.#due = false;
    this.#nextPollAt = storage.shared ? now + this.#o.pollIntervalMs : Number.POSITIVE_INFINITY;
    let claimed: ClaimedRunRequests;
    try {
      claimed = await storage.claimRunRequests({
        now: new Date(now),
        limit: batch,
        instanceId: this.#o.instanceId,
        leaseMs: this.#o.leaseMs,
        handlers: [...this.#o.handlers.keys()],
      });
    } catch (error) {
      this.#due = true; // looked again on the next tick (the loop backs off after an error)
      throw error;
    }
    const { taken, expired } = claimed;
    if (taken.length + expired.length >= batch) this.#due = true;
    for (const run of taken) {
      const job = await storage.getJob(run.jobId);
      if (job !== null) void this.#o.handOver.execute(job, run);
    }
    for (const run of expired) await this.#expire(run, now);
  }

  async #expire(run: RunRecord, now: number): Promise<void> {
    const { storage, emitter } = this.#o;
    const job = await storage.getJob(run.jobId);
    if (job === null) return;
    Object.assign(run, expiredState(job, new Date(now)));
    await storage.updateRun(run);
    this.#o.telemetry?.runRecorded(job, run);
    if (emitter.listenerCount('job.skipped') === 0) return;
    const at = new Date(now);
    void emitter.emit('job.skipped', {
      type: 'job.skipped',
      at,
      job: toPublicJob(job),
      run: toPublicRun(run),
      reason: 'expired',
    });
  }

  /** Resolves with run `runId` once it has finished: succeeded, failed, skipped or missed. */
  async wait(runId: string, options: WaitForRunOptions): Promise<Run> {
    const { storage, clock } = this.#o;
    if (options === null || typeof options !== 'object') {
      throw new CronhookError('ERR_INVALID_OPTION', `waitForRun: options is ${describeValue(options)}`, {
        field: 'options',
      });
    }
    const pollMs = checkRange('waitForRun', 'pollIntervalMs', options.pollIntervalMs ?? 250, 50, 60_000);
    const timeoutMs =
      options.timeoutMs === undefined
        ? undefined
        : checkRange('waitForRun', 'timeoutMs', options.timeoutMs, 0, Number.MAX_SAFE_INTEGER);
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : clock.now() + timeoutMs;
    for (;;) {
      const run = await storage.getRun(runId);
      if (run === null) {
        throw new CronhookError('ERR_RUN_NOT_FOUND', `No run with id ${JSON.stringify(runId)}`, {
          field: 'runId',
        });
      }
      if (FINISHED.has(run.status)) return toPublicRun(run);
      const now = clock.now();
      if (isExpiredRequest(run, now)) {
        // No instance can take it any more: report what the next one to look will record.
        const job = await storage.getJob(run.jobId);
        return toPublicRun(job === null ? run : { ...run, ...expiredState(job, run.lockedUntil!) });
      }
      if (now >= deadline) {
        const state =
          run.status === 'queued' && run.instanceId === null
            ? 'waiting for an instance to take it'
            : run.status;
        throw new CronhookError(
          'ERR_TIMEOUT',
          `waitForRun: run ${runId} was still ${state} after ${timeoutMs} ms; it goes on`,
          { field: 'timeoutMs' },
        );
      }
      await sleep(clock, Math.min(pollMs, deadline - now), options.signal);
    }
  }
}

/** A request no instance took before it expired. */
function isExpiredRequest(run: RunRecord, now: number): boolean {
  return run.status === 'queued' && run.instanceId === null && (run.lockedUntil?.getTime() ?? 0) <= now;
}

/** What an expired request is recorded as. */
function expiredState(
  job: JobRecord,
  at: Date,
): Pick<RunRecord, 'status' | 'finishedAt' | 'lockedUntil' | 'error'> {
  const handler = 'handler' in job.target ? ` with handler ${JSON.stringify(job.target.handler)}` : '';
  return {
    status: 'skipped',
    finishedAt: at,
    lockedUntil: null,
    error: {
      code: 'ERR_REQUEST_EXPIRED',
      message: `No running instance${handler} took this run request before it expired`,
    },
  };
}

function checkRange(method: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new CronhookError(
      'ERR_INVALID_OPTION',
      `${method}: ${field} is ${describeValue(value)}; expected an integer from ${min} to ${max}`,
      { field },
    );
  }
  return value;
}
