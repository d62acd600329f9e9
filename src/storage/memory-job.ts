import { cloneJson } from './clone.js';
import type { JobRecord } from './types.js';

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

/** A deep copy of `job` to store (the caller keeps its record and may change it). */
export function toStoredJob(job: JobRecord): StoredJob {
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
    startAt: ms(job.startAt),
    endAt: ms(job.endAt),
    maxRuns: job.maxRuns,
    enabled: job.enabled,
    metadata: cloneJson(job.metadata),
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
 * When a stored job next needs looking at: its due time, or its lease's expiry when that is later (it cannot
 * be claimed before). Null when it is not due at all (disabled, or no next run).
 */
export function storedWakeTime(job: StoredJob): number | null {
  if (!job.enabled || job.nextRunAt === null) return null;
  return job.lockedUntil !== null && job.lockedUntil > job.nextRunAt ? job.lockedUntil : job.nextRunAt;
}
