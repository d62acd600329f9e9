import type { CronhookError } from '../../../errors.js';
import type { Linked } from '../../../linked-set.js';
import type { JobRecord, RunRecord } from '../../../storage/types.js';
import type { RunTrigger } from '../../types.js';
import type { RunContext } from '../runner/run-context.js';

/** How `triggerJob` hands a run over (see {@link RunTracker.execute}). */
export interface ManualHandOver {
  /** `job` is the storage's own read-only record (`peekJob`): the runner copies it before handing it out. */
  sharedJob: boolean;
  /**
   * The run took a concurrency slot with {@link RunTracker.reserveStart} and was inserted already `running`:
   * it starts at once, without its own "running" write.
   */
  reserved: boolean;
  /**
   * A reserved run handed over in the same tick as its start time was read (nothing awaited since, e.g. its
   * insert): its first attempt starts at that time, without reading the clock again.
   */
  startedNow: boolean;
}

export const NOT_MANUAL: ManualHandOver = { sharedJob: false, reserved: false, startedNow: false };

/** The ways there are, made once (`triggerJob` hands over one per run). */
const HAND_OVERS: readonly ManualHandOver[] = [false, true].flatMap((sharedJob) =>
  [false, true].flatMap((reserved) =>
    [false, true].map((startedNow) =>
      !sharedJob && !reserved && !startedNow ? NOT_MANUAL : { sharedJob, reserved, startedNow },
    ),
  ),
);

/** The {@link ManualHandOver} of `sharedJob`, `reserved` and `startedNow` (only with `reserved`). */
export function manualHandOver(sharedJob: boolean, reserved: boolean, startedNow = false): ManualHandOver {
  return HAND_OVERS[(sharedJob ? 4 : 0) + (reserved ? 2 : 0) + (reserved && startedNow ? 1 : 0)]!;
}

/**
 * Asked at a run's start instant whether it still goes ahead; false when it was settled otherwise (e.g.
 * skipped). Answers synchronously when it can, so the common case costs no promise.
 */
export type StartGate = (job: JobRecord, run: RunRecord) => boolean | Promise<boolean>;

/**
 * Where a run is between being handed to the tracker and settling. It is the run's {@link RunContext} too,
 * made once at hand-over: a run claimed ahead of its instant has it ready (its signal, its job's public view)
 * before the instant, and its start makes no context of its own.
 */
export interface ActiveRun extends RunContext, Linked<ActiveRun> {
  /** Why the tracker aborted the run, once it did (read instead of the signal before the run starts). */
  abortReason: CronhookError | null;
  /** Its job was removed (with its runs): nothing of the run is left to release or store. */
  jobRemoved: boolean;
  /**
   * It ran and gave back its slot: running no more, and not waiting either, until it settles (its job's
   * retention or its release is being written).
   */
  ended: boolean;
  /**
   * Settles when the run has finished: with the finished run (null when it was released or failed to start),
   * or, for a reserved run of `triggerJob`'s, its public view (see RunTracker.executeReserved).
   */
  done: Promise<unknown>;
  /** Resumes the run waiting for its start instant or a concurrency slot; null when it is not waiting. */
  wait: { resolve: () => void; reject: (reason: unknown) => void } | null;
}

/** Ends the wait of a run (its instant came, or it got a slot); nothing when it is not waiting. */
export function resumeRun(active: ActiveRun): void {
  const wait = active.wait;
  active.wait = null;
  wait?.resolve();
}

/** Aborts a run: its controller, and its wait when it is waiting (the first reason given is kept). */
export function abortRun(active: ActiveRun, reason: CronhookError): void {
  active.abortReason ??= reason;
  active.controller.abort(reason);
  const wait = active.wait;
  active.wait = null;
  wait?.reject(reason);
}

/**
 * How claim work hands runs on (the claim loop): `newRun` makes a run leased to this instance, `execute`
 * hands it to the tracker and keeps its lease renewed.
 */
export interface RunHandOver {
  newRun(job: JobRecord, scheduledAt: number, trigger: RunTrigger, status: RunRecord['status']): RunRecord;
  execute(
    job: JobRecord,
    run: RunRecord,
    jitterMs?: number,
    after?: Promise<unknown>,
    gate?: StartGate,
  ): Promise<RunRecord | null>;
}
