import type { Clock } from '../../../clock.js';
import { cloneJson } from '../../../storage/clone.js';
import type { JobRecord, RunRecord } from '../../../storage/types.js';
import type { RunHook } from '../../../telemetry/hooks.js';
import { toPublicJob } from '../../jobs/record.js';
import type { HandlerTarget, Job, JobContext, RunEventBase } from '../../types.js';
import { refreshPublicRun, toPublicRun } from '../records/run-records.js';
import type { RunController } from './run-controller.js';

/**
 * What one run's attempts share: the job, the run, its controller and the job's public view (made once). The
 * tracker's ActiveRun is the run's context, made at hand-over (see RunTracker.execute).
 */
export interface RunContext {
  job: JobRecord;
  /** `job` is the storage's own read-only record: its public view is made from a copy. */
  sharedJob: boolean;
  run: RunRecord;
  /**
   * The run's one controller: `stop()` and `removeJob()` abort it (through the tracker), and so does the
   * timeout of a lone attempt.
   */
  controller: RunController;
  publicJob: Job | undefined;
  /**
   * The handler's argument for the run's first attempt, made while the run waited for its instant (see
   * {@link prepareHandlerArgument}); taken by that attempt.
   */
  handlerArgument: JobContext | undefined;
  /** The run's telemetry; null when telemetry is off. */
  telemetry: RunHook | null;
  /**
   * `run.startedAt` was read from the clock in this same tick, with nothing awaited since: the first attempt
   * starts then (its timeout counts from it) without another clock read. Cleared at the first await.
   */
  startedNow: boolean;
}

/** The job's public view for handlers and listeners, made once per run (from a copy of a shared record). */
export function publicJob(ctx: RunContext): Job {
  if (ctx.publicJob === undefined) ctx.publicJob = toPublicJob(ctx.sharedJob ? cloneJson(ctx.job) : ctx.job);
  return ctx.publicJob;
}

/**
 * Makes the handler's argument for the run's first attempt ahead, as it waits for its instant: a burst of runs
 * due at one instant then allocates two objects fewer per run at the instant itself, where each allocation
 * (a fresh page to fault in, a scavenge's share) delays every run due after it.
 */
export function prepareHandlerArgument(ctx: RunContext, target: HandlerTarget): void {
  ctx.handlerArgument = {
    job: publicJob(ctx),
    run: toPublicRun(ctx.run),
    payload: target.payload,
    signal: ctx.controller.signal,
    attempt: 1,
  };
}

/**
 * The handler's argument for attempt `attempt` under `signal`: the one prepared for the first attempt when it
 * fits (the run's own signal: a lone attempt), its run view brought up to date with the record, else a new one.
 */
export function handlerArgument(
  ctx: RunContext,
  target: HandlerTarget,
  attempt: number,
  signal: AbortSignal,
): JobContext {
  const prepared = ctx.handlerArgument;
  if (prepared !== undefined) {
    ctx.handlerArgument = undefined;
    if (attempt === 1 && prepared.signal === signal) {
      refreshPublicRun(prepared.run, ctx.run);
      return prepared;
    }
  }
  return { job: publicJob(ctx), run: toPublicRun(ctx.run), payload: target.payload, signal, attempt };
}

/** A run event's common part, built only once someone listens (callers check `listenerCount` first). */
export function runEvent<T extends string>(ctx: RunContext, type: T, clock: Clock): RunEventBase<T> {
  return { type, at: new Date(clock.now()), job: publicJob(ctx), run: toPublicRun(ctx.run) };
}
