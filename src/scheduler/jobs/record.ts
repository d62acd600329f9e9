import type { ScheduleInput } from '../../schedule/types.js';
import type { JobRecord } from '../../storage/types.js';
import type { Job, JobDefinition } from '../types.js';
import { toPublicTarget } from './target.js';

// A stored job seen from outside: its public view, and the definition that would create it again.

/** The public view of a stored job: no lease fields, no header values, no signing secret. */
export function toPublicJob(record: JobRecord): Job {
  const target = toPublicTarget(record.target);
  // Field by field (not a rest spread, several times slower): the Job fields, in their usual order.
  return {
    id: record.id,
    name: record.name,
    schedule: record.schedule,
    target,
    retry: record.retry,
    overlap: record.overlap,
    catchUp: record.catchUp,
    successStatuses: record.successStatuses,
    jitterMs: record.jitterMs,
    startAt: record.startAt,
    endAt: record.endAt,
    maxRuns: record.maxRuns,
    enabled: record.enabled,
    metadata: record.metadata,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    nextRunAt: record.nextRunAt,
    runCount: record.runCount,
  };
}

/** Turns a stored job back into the definition that would create it, so updates can merge a patch over it. */
export function recordToDefinition(record: JobRecord): JobDefinition {
  const s = record.schedule;
  const schedule: ScheduleInput =
    s.kind === 'cron'
      ? { cron: s.cron, timezone: s.timezone }
      : s.kind === 'every'
        ? { every: s.everyMs }
        : { at: s.at };
  const definition: JobDefinition = {
    id: record.id,
    schedule,
    target: record.target,
    retry: record.retry,
    overlap: record.overlap,
    catchUp: record.catchUp,
    jitterMs: record.jitterMs,
    enabled: record.enabled,
    metadata: record.metadata,
  };
  if (record.name !== null) definition.name = record.name;
  if (record.successStatuses !== null) definition.successStatuses = record.successStatuses;
  if (record.startAt !== null) definition.startAt = record.startAt;
  if (record.endAt !== null) definition.endAt = record.endAt;
  if (record.maxRuns !== null) definition.maxRuns = record.maxRuns;
  return definition;
}
