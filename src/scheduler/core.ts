import type { Clock } from '../clock.js';
import { CronhookError, toErrorInfo } from '../errors.js';
import type { Emitter } from '../events.js';
import { readyStorage, watchStorage } from '../storage/readiness.js';
import type { Storage } from '../storage/types.js';
import type { SchedulerHooks } from '../telemetry/hooks.js';
import type { Transport } from '../transport/types.js';
import { VERSION } from '../version.js';
import { ClaimLoop } from './claim-loop.js';
import { checkHealth, type SchedulerHealth } from './health.js';
import { JobManagement, type ManualRunOptions, runNow } from './jobs/management.js';
import type { validateSchedulerOptions } from './options.js';
import type { RequestRunOptions } from './runs/cluster/run-requests.js';
import { Runner } from './runs/runner/runner.js';
import { RunTracker } from './runs/tracker/run-tracker.js';
import type { JobHandler, Run, SchedulerEvents } from './types.js';

export interface SchedulerCoreOptions {
  storage: Storage;
  transport: Transport;
  /** A transport the scheduler created is its own to close on stop; one passed in belongs to the app. */
  ownsTransport: boolean;
  clock: Clock;
  instanceId: string;
  options: ReturnType<typeof validateSchedulerOptions>;
  emitter: Emitter<SchedulerEvents>;
  telemetry: SchedulerHooks | null;
}

/**
 * What a `Scheduler` is made of, and how it starts and stops: the runner, the run tracker, the claim loop and
 * the job methods wired together over one storage, the handlers registered with `handle()`, and the state
 * they go through (idle, starting, started, stopping, stopped). The `Scheduler` facade holds one and
 * delegates to it.
 */
export class SchedulerCore {
  readonly tracker: RunTracker;
  readonly loop: ClaimLoop;
  readonly jobs: JobManagement;
  readonly #o: SchedulerCoreOptions;
  readonly #handlers = new Map<string, JobHandler>();
  #state: SchedulerHealth['state'] = 'idle';
  #unsubscribe: (() => void) | null = null;
  /** What `triggerJob` runs with: made once, not per call. */
  readonly #manual: ManualRunOptions;

  constructor(o: SchedulerCoreOptions) {
    this.#o = o;
    const { storage, clock, emitter, telemetry, options } = o;
    const onError = (error: unknown) => this.reportError(error);
    const runner = new Runner({
      storage,
      transport: o.transport,
      clock,
      emitter,
      handlers: this.#handlers,
      addressPolicy: options.addressPolicy,
      userAgent: `cronhook/${VERSION}`,
      telemetry,
    });
    this.tracker = new RunTracker({
      storage,
      clock,
      runner,
      concurrency: options.concurrency,
      runRetention: options.runRetention,
      onError,
    });
    this.loop = new ClaimLoop({
      storage,
      clock,
      emitter,
      tracker: this.tracker,
      instanceId: o.instanceId,
      leaseMs: options.leaseMs,
      pollIntervalMs: options.pollIntervalMs,
      misfireThresholdMs: options.misfireThresholdMs,
      missedEvents: options.missedEvents,
      maxMissedEvents: options.maxMissedEvents,
      runRetention: options.runRetention,
      unref: options.unref,
      telemetry,
      handlers: this.#handlers,
      onError,
    });
    this.jobs = new JobManagement({
      storage,
      clock,
      emitter,
      timezone: options.timezone,
      tracker: this.tracker,
      loop: this.loop,
    });
    this.#manual = { storage, clock, loop: this.loop, tracker: this.tracker, handlers: this.#handlers };
  }

  get state(): SchedulerHealth['state'] {
    return this.#state;
  }

  /** Registers handler `name` (see `Scheduler.handle`). */
  handle(name: string, handler: JobHandler): void {
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
    this.#handlers.set(name, handler);
  }

  /** Runs job `id` now in this instance (see `Scheduler.triggerJob`). */
  trigger(id: string): Promise<Run> {
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      return Promise.reject(
        new CronhookError('ERR_STOPPED', `Cannot trigger ${id}: the scheduler is stopped`),
      );
    }
    return runNow(this.#manual, id);
  }

  /** Stores a request to run job `id` and looks for it at once (see `Scheduler.requestRun`). */
  async request(id: string, options: RequestRunOptions): Promise<Run> {
    const job = await this.jobs.getRecord(id);
    const run = await this.loop.requests.request(job, options);
    this.loop.wakeAt(this.#o.clock.now());
    return run;
  }

  health(): Promise<SchedulerHealth> {
    return checkHealth({
      state: this.#state,
      storage: this.#o.storage,
      clock: this.#o.clock,
      leaseMs: this.#o.options.leaseMs,
      loop: (now) => this.loop.health(now),
    });
  }

  /** See `Scheduler.start`: rejects, back to idle, when storage is not ready. */
  async start(): Promise<void> {
    if (this.#state !== 'idle') {
      throw new CronhookError('ERR_INVALID_OPTION', `start(): the scheduler is already ${this.#state}`);
    }
    this.#state = 'starting';
    const { storage } = this.#o;
    try {
      await readyStorage(storage);
    } catch (error) {
      this.#state = 'idle';
      throw error;
    }
    const watching = watchStorage(storage, 'jobs', () => this.loop.changed());
    if (watching) this.#unsubscribe = await watching;
    this.#state = 'started';
    this.#o.telemetry?.started(storage);
    await this.loop.start();
  }

  /** See `Scheduler.stop`. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return;
    this.#state = 'stopping';
    this.#unsubscribe?.();
    const { clock, transport } = this.#o;
    const stopAt = clock.now() + timeoutMs;
    await this.loop.stop(timeoutMs);
    await this.tracker.stop(Math.max(0, stopAt - clock.now()));
    if (this.#o.ownsTransport) await transport.close?.();
    this.#o.telemetry?.stopped();
    this.#state = 'stopped';
  }

  /** A failure no caller awaits (a claim pass, a run's bookkeeping): logged and emitted as `error`. */
  reportError(error: unknown): void {
    this.#o.options.logger?.error?.(
      'cronhook scheduler error',
      toErrorInfo(error, 'ERR_STORAGE') as unknown as Record<string, unknown>,
    );
    const { emitter, clock } = this.#o;
    void emitter.emit('error', { type: 'error', at: new Date(clock.now()), error });
  }
}
