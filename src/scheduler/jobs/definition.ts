import { randomUUID } from 'node:crypto';
import { CronhookError, describeValue } from '../../errors.js';
import { normalizeSchedule } from '../../schedule/normalize.js';
import { firstRunAt } from '../../schedule/occurrences.js';
import type { CatchUpPolicy } from '../../schedule/types.js';
import type { JobRecord } from '../../storage/types.js';
import type { JobDefinition, OverlapPolicy, RetryPolicy } from '../types.js';
import { bad, intIn, JOB_LIMITS, jsonCopy } from './fields.js';
import { validateTarget } from './target.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const OVERLAPS = new Set<unknown>(['skip', 'allow', 'queue']);
const DEFAULT_RETRY: Required<RetryPolicy> = { attempts: 1, minDelayMs: 1000, maxDelayMs: 60_000, factor: 2 };

function optionalDate(jobId: string, field: string, value: Date | string | undefined): Date | null {
  if (value === undefined || value === null) return null;
  const date =
    value instanceof Date ? new Date(value.getTime()) : typeof value === 'string' ? new Date(value) : null;
  if (date === null || Number.isNaN(date.getTime())) {
    throw bad(jobId, field, `is ${describeValue(value)}; expected a Date or an ISO-8601 string`);
  }
  return date;
}

function validateCatchUp(jobId: string, value: CatchUpPolicy | undefined): CatchUpPolicy {
  if (value === undefined) return 'latest';
  if (value === 'skip' || value === 'latest') return value;
  if (value && typeof value === 'object' && 'max' in value)
    return { max: intIn(jobId, 'catchUp.max', value.max, 1, 1000) };
  throw bad(jobId, 'catchUp', `is ${describeValue(value)}; expected 'skip', 'latest' or { max: n }`);
}

function validateRetry(jobId: string, retry: RetryPolicy | undefined): Required<RetryPolicy> {
  if (retry === undefined) return { ...DEFAULT_RETRY };
  if (retry === null || typeof retry !== 'object' || Array.isArray(retry))
    throw bad(jobId, 'retry', `is ${describeValue(retry)}; expected an object`);
  // Only the known fields: anything else spread in would be stored as is.
  const out = {
    attempts: retry.attempts ?? DEFAULT_RETRY.attempts,
    minDelayMs: retry.minDelayMs ?? DEFAULT_RETRY.minDelayMs,
    maxDelayMs: retry.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    factor: retry.factor ?? DEFAULT_RETRY.factor,
  };
  intIn(jobId, 'retry.attempts', out.attempts, 1, 100);
  intIn(jobId, 'retry.minDelayMs', out.minDelayMs, 0, 86_400_000);
  intIn(jobId, 'retry.maxDelayMs', out.maxDelayMs, out.minDelayMs, 86_400_000);
  if (typeof out.factor !== 'number' || !(out.factor >= 1 && out.factor <= 10)) {
    throw bad(jobId, 'retry.factor', `is ${describeValue(out.factor)}; expected a number from 1 to 10`);
  }
  return out;
}

/** Checks that an `updateJob` patch is an object before it is merged over the stored definition. */
export function assertJobPatch(jobId: string, patch: unknown): void {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw bad(jobId, 'patch', `is ${describeValue(patch)}; expected an object of the fields to change`);
  }
}

export interface BuildJobOptions {
  timezone: string;
  now: number;
  /** The stored job this definition replaces (updateJob). */
  previous?: JobRecord;
  /**
   * Accept an `at` in the past whatever `catchUp` says (upsertJob judges it against the stored job).
   * @default false: only with catchUp 'latest' or { max }
   */
  allowPastAt?: boolean;
}

/**
 * Validates a definition and builds the record to store. Throws `ERR_INVALID_JOB` or `ERR_INVALID_SCHEDULE`
 * naming the job and the field; nothing is stored before this succeeds.
 */
export function buildJobRecord(definition: JobDefinition, options: BuildJobOptions): JobRecord {
  if (definition === null || typeof definition !== 'object') {
    throw new CronhookError(
      'ERR_INVALID_JOB',
      `Job definition is ${describeValue(definition)}; expected an object`,
    );
  }
  const id = definition.id ?? options.previous?.id ?? `job_${randomUUID()}`;
  if (typeof id !== 'string' || !ID.test(id)) {
    throw bad(
      typeof id === 'string' ? id : describeValue(id),
      'id',
      'must be 1–128 characters: letters, digits and . _ : @ - (starting with a letter or digit)',
    );
  }
  const catchUp = validateCatchUp(id, definition.catchUp);
  const schedule = normalizeSchedule(definition.schedule, {
    jobId: id,
    timezone: options.timezone,
    now: options.now,
    allowPastAt: options.allowPastAt === true || catchUp !== 'skip',
  });
  const overlap: OverlapPolicy = definition.overlap ?? 'skip';
  if (!OVERLAPS.has(overlap)) {
    throw bad(id, 'overlap', `is ${describeValue(overlap)}; expected 'skip', 'allow' or 'queue'`);
  }
  const successStatuses =
    definition.successStatuses === undefined
      ? null
      : (() => {
          if (!Array.isArray(definition.successStatuses) || definition.successStatuses.length === 0) {
            throw bad(id, 'successStatuses', 'must be a non-empty array of HTTP statuses (100–599)');
          }
          return definition.successStatuses.map((s, i) => intIn(id, `successStatuses[${i}]`, s, 100, 599));
        })();
  if (definition.name !== undefined && typeof definition.name !== 'string') {
    throw bad(id, 'name', `is ${describeValue(definition.name)}; expected a string`);
  }
  if (definition.name !== undefined && definition.name.length > JOB_LIMITS.nameLength) {
    throw bad(
      id,
      'name',
      `is ${definition.name.length} characters long; at most ${JOB_LIMITS.nameLength} are allowed`,
    );
  }
  // null and undefined both mean no metadata ({}).
  const metadata = definition.metadata ?? null;
  if (metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
    throw bad(id, 'metadata', `is ${describeValue(metadata)}; expected a plain object`);
  }
  const startAt = optionalDate(id, 'startAt', definition.startAt);
  const endAt = optionalDate(id, 'endAt', definition.endAt);
  if (startAt && endAt && endAt <= startAt) throw bad(id, 'endAt', 'must be after startAt');
  const now = new Date(options.now);
  const record: JobRecord = {
    id,
    name: definition.name ?? null,
    schedule,
    target: validateTarget(id, definition.target),
    retry: validateRetry(id, definition.retry),
    overlap,
    catchUp,
    successStatuses,
    jitterMs:
      definition.jitterMs === undefined ? 0 : intIn(id, 'jitterMs', definition.jitterMs, 0, 86_400_000),
    startAt,
    endAt,
    maxRuns:
      definition.maxRuns === undefined
        ? null
        : intIn(id, 'maxRuns', definition.maxRuns, 1, Number.MAX_SAFE_INTEGER),
    enabled: definition.enabled ?? true,
    metadata: metadata === null ? {} : jsonCopy(id, 'metadata', metadata, JOB_LIMITS.metadataBytes),
    createdAt: options.previous?.createdAt ?? now,
    updatedAt: now,
    nextRunAt: null,
    runCount: options.previous?.runCount ?? 0,
    lockedBy: null,
    lockedUntil: null,
  };
  if (typeof record.enabled !== 'boolean')
    throw bad(id, 'enabled', `is ${describeValue(record.enabled)}; expected a boolean`);
  record.nextRunAt = firstRunAt(record, options.now);
  return record;
}
