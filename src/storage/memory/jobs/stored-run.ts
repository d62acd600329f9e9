import type { Linked } from '../../../linked-set.js';
import type { RunRecord } from '../../types.js';

type TimeField = 'scheduledAt' | 'startedAt' | 'finishedAt' | 'lockedUntil';

/**
 * A run as MemoryStorage holds it: the record's fields with its times as epoch ms, so writing a run (twice
 * per run: started, finished) copies numbers instead of allocating Dates. Never handed out: reads build a
 * fresh {@link RunRecord}.
 */
/** Its place (`Linked`) is among MemoryRuns' runs in flight, while it is. */
export interface StoredRun extends Omit<RunRecord, TimeField>, Linked<StoredRun> {
  scheduledAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  lockedUntil: number | null;
  /** Where it is in MemoryRuns' index by id (RunIdIndex): 0 added and not indexed yet, 1 indexed, 2 removed. */
  idIndex: 0 | 1 | 2;
}

const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());
const date = (t: number | null): Date | null => (t === null ? null : new Date(t));

/** A copy of `run` to store (the caller keeps its record and may change it). */
export function toStoredRun(run: RunRecord): StoredRun {
  return {
    id: run.id,
    jobId: run.jobId,
    trigger: run.trigger,
    scheduledAt: run.scheduledAt.getTime(),
    status: run.status,
    startedAt: ms(run.startedAt),
    finishedAt: ms(run.finishedAt),
    durationMs: run.durationMs,
    attempts: run.attempts,
    statusCode: run.statusCode,
    error: run.error === null ? null : { code: run.error.code, message: run.error.message },
    responseSnippet: run.responseSnippet,
    instanceId: run.instanceId,
    occurrenceKey: run.occurrenceKey,
    lockedUntil: ms(run.lockedUntil),
    idIndex: 0,
    listed: false,
    previous: null,
    next: null,
  };
}

/** Writes `run`'s state into the stored run, field by field; the stored occurrence key stays. */
export function assignStoredRun(stored: StoredRun, run: RunRecord): void {
  stored.jobId = run.jobId;
  stored.trigger = run.trigger;
  stored.scheduledAt = run.scheduledAt.getTime();
  stored.status = run.status;
  stored.startedAt = ms(run.startedAt);
  stored.finishedAt = ms(run.finishedAt);
  stored.durationMs = run.durationMs;
  stored.attempts = run.attempts;
  stored.statusCode = run.statusCode;
  stored.error = run.error === null ? null : { code: run.error.code, message: run.error.message };
  stored.responseSnippet = run.responseSnippet;
  stored.instanceId = run.instanceId;
  stored.lockedUntil = ms(run.lockedUntil);
}

/** A fresh record of a stored run, sharing nothing with it. */
export function fromStoredRun(run: StoredRun): RunRecord {
  return {
    id: run.id,
    jobId: run.jobId,
    trigger: run.trigger,
    scheduledAt: new Date(run.scheduledAt),
    status: run.status,
    startedAt: date(run.startedAt),
    finishedAt: date(run.finishedAt),
    durationMs: run.durationMs,
    attempts: run.attempts,
    statusCode: run.statusCode,
    error: run.error === null ? null : { code: run.error.code, message: run.error.message },
    responseSnippet: run.responseSnippet,
    instanceId: run.instanceId,
    occurrenceKey: run.occurrenceKey,
    lockedUntil: date(run.lockedUntil),
  };
}
