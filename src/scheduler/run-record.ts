import { randomUUID } from 'node:crypto';
import type { JobRecord, RunRecord } from '../storage/types.js';
import type { RunTrigger } from './types.js';

/** A new run of `job` for the occurrence at `scheduledAt`; queued runs are leased to `instanceId`. */
export function newRunRecord(
  job: JobRecord,
  scheduledAt: number,
  trigger: RunTrigger,
  status: RunRecord['status'],
  lease: { instanceId: string; until: number },
): RunRecord {
  return {
    id: `run_${randomUUID()}`,
    jobId: job.id,
    trigger,
    scheduledAt: new Date(scheduledAt),
    status,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    attempts: 0,
    statusCode: null,
    error: null,
    responseSnippet: null,
    instanceId: lease.instanceId,
    occurrenceKey: new Date(scheduledAt).toISOString(),
    lockedUntil: status === 'queued' ? new Date(lease.until) : null,
  };
}
