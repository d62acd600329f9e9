import type { NormalizedSchedule } from '../../../schedule/types.js';
import type { JobTarget } from '../../../scheduler/types.js';
import { cloneJson, deepFreeze } from '../../clone.js';
import type { JobRecord, JobScheduleState } from '../../types.js';

type TimeField = 'startAt' | 'endAt' | 'createdAt' | 'updatedAt' | 'nextRunAt' | 'lockedUntil';

/**
 * A job as MemoryStorage holds it: the record's fields with its times as epoch ms, so 100k stored jobs hold
 * no Date objects (each costs an allocation on insert and ~50 bytes of heap). It is never handed out: every
 * read copies it into a fresh {@link JobRecord}.
 */
export interface StoredJob extends Omit<JobRecord, TimeField> {
  startAt: number | null;
  endAt: number | null;
  createdAt: number;
  updatedAt: number;
  nextRunAt: number | null;
  lockedUntil: number | null;
}

const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());
const date = (t: number | null): Date | null => (t === null ? null : new Date(t));

/** True when the stored job's next run, run count and lease are `state`'s (`Storage.replaceJob`). */
export function sameScheduleState(job: StoredJob, state: JobScheduleState): boolean {
  return (
    job.nextRunAt === ms(state.nextRunAt) &&
    job.runCount === state.runCount &&
    job.lockedBy === state.lockedBy &&
    job.lockedUntil === ms(state.lockedUntil)
  );
}

/** True when `value`'s own enumerable keys are exactly `keys`, in that order (so a copy would look the same). */
function hasKeys(value: object, keys: readonly string[]): boolean {
  let i = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key !== keys[i]) return false;
    i++;
  }
  return i === keys.length;
}

// Stored jobs never leave the store (reads copy them), so parts that many jobs have in common are kept once,
// frozen: the default retry policy, empty metadata, each cron schedule, each handler target without
// payload. For 100k jobs that is 400k fewer objects to allocate and for the GC to carry.
const RETRY_KEYS = ['attempts', 'minDelayMs', 'maxDelayMs', 'factor'] as const;
const DEFAULT_RETRY: JobRecord['retry'] = Object.freeze({
  attempts: 1,
  minDelayMs: 1000,
  maxDelayMs: 60_000,
  factor: 2,
});
const EMPTY: Record<string, unknown> = Object.freeze({});
const CRON_KEYS = ['kind', 'cron', 'timezone'] as const;
const HANDLER_KEYS = ['handler', 'payload'] as const;
/** Timezone → cron → schedule; handler name → target. Sharing only saves memory, so each starts over when full. */
const cronSchedules = new Map<string, Map<string, NormalizedSchedule>>();
const handlerTargets = new Map<string, JobTarget>();
const SHARED_LIMIT = 10_000;
let sharedSchedules = 0;

function storedRetry(retry: JobRecord['retry']): JobRecord['retry'] {
  const d = DEFAULT_RETRY;
  return retry.attempts === d.attempts &&
    retry.minDelayMs === d.minDelayMs &&
    retry.maxDelayMs === d.maxDelayMs &&
    retry.factor === d.factor &&
    hasKeys(retry, RETRY_KEYS)
    ? d
    : { ...retry };
}

function storedMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  return hasKeys(metadata, []) ? EMPTY : cloneJson(metadata);
}

function storedSchedule(schedule: NormalizedSchedule): NormalizedSchedule {
  if (schedule.kind !== 'cron' || !hasKeys(schedule, CRON_KEYS)) return { ...schedule };
  if (sharedSchedules >= SHARED_LIMIT) {
    cronSchedules.clear();
    sharedSchedules = 0;
  }
  let zone = cronSchedules.get(schedule.timezone);
  if (zone === undefined) {
    zone = new Map();
    cronSchedules.set(schedule.timezone, zone);
  }
  let shared = zone.get(schedule.cron);
  if (shared === undefined) {
    shared = Object.freeze({ kind: 'cron', cron: schedule.cron, timezone: schedule.timezone });
    zone.set(schedule.cron, shared);
    sharedSchedules++;
  }
  return shared;
}

function storedTarget(target: JobTarget): JobTarget {
  if (!('handler' in target) || target.payload !== undefined || !hasKeys(target, HANDLER_KEYS)) {
    return cloneJson(target);
  }
  let shared = handlerTargets.get(target.handler);
  if (shared === undefined) {
    if (handlerTargets.size >= SHARED_LIMIT) handlerTargets.clear();
    shared = Object.freeze({ handler: target.handler, payload: undefined });
    handlerTargets.set(target.handler, shared);
  }
  return shared;
}

/** A copy of `job` to store (the caller keeps its record and may change it); shared parts are frozen. */
export function toStoredJob(job: JobRecord): StoredJob {
  return {
    id: job.id,
    name: job.name,
    schedule: storedSchedule(job.schedule),
    target: storedTarget(job.target),
    retry: storedRetry(job.retry),
    overlap: job.overlap,
    catchUp: typeof job.catchUp === 'object' ? { ...job.catchUp } : job.catchUp,
    successStatuses: job.successStatuses === null ? null : [...job.successStatuses],
    jitterMs: job.jitterMs,
    startAt: ms(job.startAt),
    endAt: ms(job.endAt),
    maxRuns: job.maxRuns,
    enabled: job.enabled,
    metadata: storedMetadata(job.metadata),
    createdAt: job.createdAt.getTime(),
    updatedAt: job.updatedAt.getTime(),
    nextRunAt: ms(job.nextRunAt),
    runCount: job.runCount,
    lockedBy: job.lockedBy,
    lockedUntil: ms(job.lockedUntil),
  };
}

/** A fresh record of a stored job, sharing nothing with it. */
export function fromStoredJob(job: StoredJob): JobRecord {
  return {
    id: job.id,
    name: job.name,
    schedule: { ...job.schedule },
    target: cloneJson(job.target),
    retry: { ...job.retry },
    overlap: job.overlap,
    catchUp: typeof job.catchUp === 'object' ? { ...job.catchUp } : job.catchUp,
    successStatuses: job.successStatuses === null ? null : [...job.successStatuses],
    jitterMs: job.jitterMs,
    startAt: date(job.startAt),
    endAt: date(job.endAt),
    maxRuns: job.maxRuns,
    enabled: job.enabled,
    metadata: cloneJson(job.metadata),
    createdAt: new Date(job.createdAt),
    updatedAt: new Date(job.updatedAt),
    nextRunAt: date(job.nextRunAt),
    runCount: job.runCount,
    lockedBy: job.lockedBy,
    lockedUntil: date(job.lockedUntil),
  };
}

/**
 * A read-only record of a stored job for `peekJob`: a fresh copy, frozen (a slip that writes to it throws in
 * strict code instead of changing what later readers see).
 */
export function frozenJobRecord(job: StoredJob): JobRecord {
  return deepFreeze(fromStoredJob(job));
}

/**
 * When a stored job next needs looking at: its due time, or its lease's expiry when that is later (it cannot
 * be claimed before). Null when it is not due at all (disabled, or no next run).
 */
export function storedWakeTime(job: StoredJob): number | null {
  if (!job.enabled || job.nextRunAt === null) return null;
  return job.lockedUntil !== null && job.lockedUntil > job.nextRunAt ? job.lockedUntil : job.nextRunAt;
}
