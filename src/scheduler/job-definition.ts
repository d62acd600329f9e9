import { randomUUID } from 'node:crypto';
import { CronhookError, describeValue } from '../errors.js';
import { firstRunAt } from '../schedule/occurrences.js';
import { normalizeSchedule } from '../schedule/schedule.js';
import type { CatchUpPolicy } from '../schedule/types.js';
import type { JobRecord } from '../storage/types.js';
import type {
  HandlerTarget,
  HttpTarget,
  JobDefinition,
  JobTarget,
  OverlapPolicy,
  RetryPolicy,
} from './types.js';

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
    allowPastAt: catchUp !== 'skip',
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
    metadata: metadata === null ? {} : jsonCopy(id, 'metadata', metadata),
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

/** The `ERR_INVALID_JOB` error for one field of a job definition, naming the job and the field. */
export function bad(jobId: string, field: string, message: string): CronhookError {
  return new CronhookError('ERR_INVALID_JOB', `Job ${JSON.stringify(jobId)}: ${field} ${message}`, { field });
}

/** `value` when it is an integer from `min` to `max`, else an `ERR_INVALID_JOB` naming the field. */
export function intIn(jobId: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(jobId, field, `is ${describeValue(value)}; expected an integer from ${min} to ${max}`);
  }
  return value;
}

/** A deep JSON copy of `value`, or a CronhookError naming the field when it has no JSON form (cycles, BigInt). */
export function jsonCopy<T>(jobId: string, field: string, value: T): T {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    throw bad(jobId, field, 'is not JSON-serializable (a cycle, a BigInt or a throwing toJSON)');
  }
  if (text === undefined) throw bad(jobId, field, `is ${describeValue(value)}; expected JSON data`);
  return JSON.parse(text) as T;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/** Validates a job's target (an HTTP call or an in-process handler) and returns the copy to store. */
export function validateTarget(jobId: string, target: JobTarget): JobTarget {
  if (target === null || typeof target !== 'object') {
    throw bad(jobId, 'target', `is ${describeValue(target)}; expected { url, ... } or { handler, ... }`);
  }
  const timeoutMs =
    target.timeoutMs === undefined
      ? undefined
      : intIn(jobId, 'target.timeoutMs', target.timeoutMs, 1, 86_400_000);
  if ('handler' in target) {
    if (typeof target.handler !== 'string' || target.handler.length === 0) {
      throw bad(jobId, 'target.handler', `is ${describeValue(target.handler)}; expected a handler name`);
    }
    if (target.payload !== undefined) {
      try {
        JSON.stringify(target.payload);
      } catch {
        throw bad(jobId, 'target.payload', 'is not JSON-serializable');
      }
    }
    const out: HandlerTarget = { handler: target.handler, payload: target.payload };
    if (timeoutMs !== undefined) out.timeoutMs = timeoutMs;
    return out;
  }
  if (!('url' in target)) throw bad(jobId, 'target', 'has neither url nor handler');
  return validateHttpTarget(jobId, target, timeoutMs);
}

function validateHttpTarget(jobId: string, target: HttpTarget, timeoutMs: number | undefined): HttpTarget {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    throw bad(jobId, 'target.url', `is ${describeValue(target.url)}; expected an absolute http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw bad(jobId, 'target.url', `uses ${url.protocol}; only http: and https: are allowed`);
  }
  const method = typeof target.method === 'string' ? target.method.toUpperCase() : (target.method ?? 'POST');
  if (typeof method !== 'string' || !METHODS.has(method))
    throw bad(
      jobId,
      'target.method',
      `is ${describeValue(target.method)}; expected one of ${[...METHODS].join(', ')}`,
    );
  const headers: Record<string, string> = {};
  const given: unknown = target.headers ?? {};
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw bad(
      jobId,
      'target.headers',
      `is ${describeValue(given)}; expected an object of header names to values`,
    );
  }
  for (const [name, value] of Object.entries(given)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || typeof value !== 'string' || /[\r\n]/.test(value)) {
      throw bad(
        jobId,
        `target.headers.${name}`,
        'must be a valid header name with a single-line string value',
      );
    }
    headers[name] = value;
  }
  if (
    target.signingSecret !== undefined &&
    (typeof target.signingSecret !== 'string' || !/^whsec_[A-Za-z0-9+/=]{32,}$/.test(target.signingSecret))
  ) {
    throw bad(jobId, 'target.signingSecret', "must be 'whsec_' followed by base64 of at least 24 bytes");
  }
  const out: HttpTarget = { url: url.toString(), method, headers };
  if (target.body !== undefined) {
    if (typeof target.body !== 'string' && (target.body === null || typeof target.body !== 'object')) {
      throw bad(
        jobId,
        'target.body',
        `is ${describeValue(target.body)}; expected a string, an object or an array`,
      );
    }
    out.body = typeof target.body === 'string' ? target.body : jsonCopy(jobId, 'target.body', target.body);
  }
  if (timeoutMs !== undefined) out.timeoutMs = timeoutMs;
  if (target.signingSecret !== undefined) out.signingSecret = target.signingSecret;
  return out;
}
