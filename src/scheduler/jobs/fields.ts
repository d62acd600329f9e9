import { CronhookError, describeValue } from '../../errors.js';

// The shared pieces of a job definition's checks: the error that names the job and the field, the common
// checks, and the size limits.

/**
 * Size limits of a job definition, checked when it is added or updated (docs/scheduler.md). Each bounds
 * something copied many times: the name and metadata go into every run event and webhook, the body and
 * payload are read with the job and sent or handed over on every run.
 */
export const JOB_LIMITS = {
  /** Characters of `name`. */
  nameLength: 200,
  /** UTF-8 bytes of `metadata` as JSON. */
  metadataBytes: 16_384,
  /** Characters of `target.url`, as for endpoints. */
  urlLength: 2048,
  /** UTF-8 bytes of `target.body` (a string, or an object or array as JSON). */
  bodyBytes: 262_144,
  /** UTF-8 bytes of `target.payload` as JSON. */
  payloadBytes: 262_144,
} as const;

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

/**
 * A deep JSON copy of `value`, or a CronhookError naming the field when it has no JSON form (cycles, BigInt,
 * a function) or its JSON text is longer than `maxBytes` UTF-8 bytes. The copy is what every storage keeps,
 * so a job reads back the same from memory, SQLite and Postgres.
 */
export function jsonCopy<T>(jobId: string, field: string, value: T, maxBytes?: number): T {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    throw bad(jobId, field, 'is not JSON-serializable (a cycle, a BigInt or a throwing toJSON)');
  }
  if (text === undefined) throw bad(jobId, field, `is ${describeValue(value)}; expected JSON data`);
  if (maxBytes !== undefined) checkBytes(jobId, field, text, maxBytes, 'as JSON');
  return JSON.parse(text) as T;
}

/** Throws when `text` is longer than `maxBytes` UTF-8 bytes. */
export function checkBytes(jobId: string, field: string, text: string, maxBytes: number, how = ''): void {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short text needs no counting.
  if (text.length * 3 <= maxBytes) return;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes)
    throw bad(
      jobId,
      field,
      `is ${bytes} bytes${how ? ` ${how}` : ''}; at most ${maxBytes} bytes are allowed`,
    );
}
