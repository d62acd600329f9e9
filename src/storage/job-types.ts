import type { Job, JobTarget, Run, RunStatus } from '../scheduler/types.js';

// The records and method inputs of the job and run side of the Storage contract (types.ts).

/**
 * A job as stored. Unlike {@link Job} its target holds what is sent (header values, `signingSecret`), and it
 * carries the claim lease.
 */
export interface JobRecord extends Omit<Job, 'target'> {
  target: JobTarget;
  /** Instance that has claimed the job's due occurrence, until `lockedUntil`. */
  lockedBy: string | null;
  lockedUntil: Date | null;
}

/** A run as stored, with its lease and unique occurrence key. */
export interface RunRecord extends Run {
  /**
   * Unique per job occurrence: `<scheduledAt ISO>` for scheduled runs, so one occurrence is inserted once
   * across every instance; manual and recovery runs get their own keys.
   */
  occurrenceKey: string;
  lockedUntil: Date | null;
}

export interface ClaimOptions {
  now: Date;
  limit: number;
  instanceId: string;
  leaseMs: number;
}

/** Options of {@link Storage.claimRunRequests}. */
export interface ClaimRunRequestsOptions extends ClaimOptions {
  /** The handlers the caller has registered: requests of jobs calling others are left to other callers. */
  handlers: string[];
}

/** What {@link Storage.claimRunRequests} leased to the caller. */
export interface ClaimedRunRequests {
  /** Requests to run: not expired, of HTTP jobs or of jobs calling one of the caller's handlers. */
  taken: RunRecord[];
  /** Requests past their expiry, whatever their job: the caller records them as never run. */
  expired: RunRecord[];
}

/**
 * What claims and advances change in a stored job, without moving its `updatedAt`: the next run, the run
 * count and the lease. A claim always sets a new lease; an advance moves the next run on, counts runs and
 * releases the lease. `Storage.replaceJob` compares it, as read, with the stored job.
 */
export type JobScheduleState = Pick<JobRecord, 'nextRunAt' | 'runCount' | 'lockedBy' | 'lockedUntil'>;

export interface AdvanceJobInput {
  jobId: string;
  instanceId: string;
  /** The job's next occurrence after this claim, or null when it has none. */
  nextRunAt: Date | null;
  runCount: number;
  /** Runs to record for the claimed occurrences (queued, missed or skipped). */
  runs: RunRecord[];
  /** Disable the job (e.g. a one-off `at` job that ran, or `maxRuns` reached). */
  enabled?: boolean;
  /**
   * The job's `updatedAt` as claimed. When the stored job has been updated since (`updateJob`, `replaceJob`: a
   * schedule change, a pause, an upsert while the claim ran), its `updatedAt` differs and the update wins: the
   * runs are still recorded (the claimed occurrences run, once) and the lease released, but `nextRunAt` and
   * `enabled` stay as the update set them, computed from the updated definition. Optional: without it the
   * advance sets them whatever happened since the claim. Added after the first release: an adapter written
   * before it ignores the field, so run `testStorage` again after upgrading.
   */
  claimedUpdatedAt?: Date;
}

export interface ListJobsOptions {
  /** @default 100 */
  limit?: number;
  /** Return jobs whose id sorts after this one (paging). */
  after?: string;
  enabled?: boolean;
}

export interface ListRunsOptions {
  jobId?: string;
  /** Runs with any of these statuses. */
  statuses?: RunStatus[];
  /** Newest first; return runs scheduled strictly before this run (paging cursor). */
  before?: { scheduledAt: Date; id: string };
  /** @default 50 */
  limit?: number;
}

export interface PruneRunsInput {
  jobId: string;
  keep: number;
  /** Only finished runs with these statuses count and go. @default every finished status */
  statuses?: RunStatus[];
}
