import type { RunRecord } from '../storage/types.js';
import { isoTime } from './iso-time.js';
import { newRunId } from './run-id.js';
import type { Run, RunTrigger } from './types.js';

/**
 * A new run of `job` for the occurrence at `scheduledAt`; queued runs are leased to `instanceId` until
 * `lease.until`. `lease.now` (the clock's time, default `scheduledAt`) goes into the id, see {@link newRunId}.
 * The occurrence key is the ISO time of `scheduledAt` (a scheduled occurrence's), or, with `keyIsId` (a run
 * that is no occurrence: manual), the run's id itself, unique as it is. One string then serves as both keys,
 * and in-memory storage hashes it once rather than twice (a `manual:<id>` key was a second long string to
 * flatten and hash on every triggered run).
 */
export function newRunRecord(
  job: { id: string },
  scheduledAt: number,
  trigger: RunTrigger,
  status: RunRecord['status'],
  lease: { instanceId: string; until: number; now?: number },
  keyIsId = false,
): RunRecord {
  const scheduled = new Date(scheduledAt);
  const id = newRunId(lease.now ?? scheduledAt);
  return {
    id,
    jobId: job.id,
    trigger,
    scheduledAt: scheduled,
    status,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    attempts: 0,
    statusCode: null,
    error: null,
    responseSnippet: null,
    instanceId: lease.instanceId,
    occurrenceKey: keyIsId ? id : isoTime(scheduledAt),
    lockedUntil: status === 'queued' ? new Date(lease.until) : null,
  };
}

/**
 * The public view of a stored run: the record without its occurrence key and lease. Built field by field
 * (one object of one shape, no rest copy), and shares the record's dates.
 */
export function toPublicRun(record: RunRecord): Run {
  return {
    id: record.id,
    jobId: record.jobId,
    trigger: record.trigger,
    scheduledAt: record.scheduledAt,
    status: record.status,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    durationMs: record.durationMs,
    attempts: record.attempts,
    statusCode: record.statusCode,
    error: record.error,
    responseSnippet: record.responseSnippet,
    instanceId: record.instanceId,
  };
}
