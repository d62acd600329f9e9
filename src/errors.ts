// This module imports nothing: cronhook/verify depends on it and must stay free of dependencies.

/**
 * Stable error codes. A code never changes meaning once released; match on it, not on the message.
 */
export type CronhookErrorCode =
  | 'ERR_INVALID_SCHEDULE'
  | 'ERR_INVALID_JOB'
  | 'ERR_INVALID_OPTION'
  | 'ERR_INVALID_ENDPOINT'
  | 'ERR_JOB_NOT_FOUND'
  | 'ERR_DUPLICATE_JOB'
  | 'ERR_DUPLICATE_ENDPOINT'
  | 'ERR_RUN_NOT_FOUND'
  | 'ERR_HANDLER_NOT_FOUND'
  | 'ERR_ENDPOINT_NOT_FOUND'
  | 'ERR_DELIVERY_NOT_FOUND'
  | 'ERR_DESTINATION_BLOCKED'
  | 'ERR_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_CONNECTION'
  | 'ERR_DNS'
  | 'ERR_HTTP_STATUS'
  | 'ERR_INVALID_RESPONSE'
  | 'ERR_RESPONSE_TOO_LARGE'
  | 'ERR_HANDLER_FAILED'
  | 'ERR_LEASE_EXPIRED'
  | 'ERR_LEASE_LOST'
  | 'ERR_CONCURRENT_CHANGE'
  | 'ERR_STORAGE'
  | 'ERR_SCHEMA_TOO_NEW'
  | 'ERR_SCHEMA_OUTDATED'
  | 'ERR_STOPPED'
  | 'ERR_NOT_SUPPORTED'
  | 'ERR_REQUEST_EXPIRED'
  | 'ERR_NOT_STARTED'
  | 'ERR_CONFIG'
  | 'ERR_TELEMETRY'
  | 'ERR_ENCRYPTION_KEY'
  | 'ERR_INVALID_REQUEST'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_FORBIDDEN'
  | 'ERR_RATE_LIMITED'
  | 'ERR_NOT_FOUND'
  | WebhookVerificationErrorCode;

/** Stable codes of `WebhookVerificationError` (cronhook/verify, the receiver side). */
export type WebhookVerificationErrorCode =
  | 'ERR_MISSING_HEADER'
  | 'ERR_INVALID_HEADER'
  | 'ERR_TIMESTAMP_TOO_OLD'
  | 'ERR_TIMESTAMP_TOO_NEW'
  | 'ERR_INVALID_SIGNATURE'
  | 'ERR_INVALID_SECRET'
  | 'ERR_INVALID_PAYLOAD';

/** Options accepted by {@link CronhookError}. */
export interface CronhookErrorOptions {
  cause?: unknown;
  /** The option or field the error is about, e.g. `schedule.cron`. */
  field?: string;
}

/**
 * Base class of every error cronhook throws. Carries a stable `code` and, where one exists, the `cause`.
 *
 * @example
 * try { await scheduler.addJob(def) } catch (e) {
 *   if (e instanceof CronhookError && e.code === 'ERR_DUPLICATE_JOB') { ... }
 * }
 */
export class CronhookError extends Error {
  override name = 'CronhookError';
  readonly code: CronhookErrorCode;
  readonly field: string | undefined;

  constructor(code: CronhookErrorCode, message: string, options: CronhookErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
  }
}

/** True when `error` is a {@link CronhookError}, optionally with the given code. */
export function isCronhookError(error: unknown, code?: CronhookErrorCode): error is CronhookError {
  return error instanceof CronhookError && (code === undefined || error.code === code);
}

/** Short, safe description of a value for error messages: never long, never a whole object. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  return 'an object';
}

/** Builds the `{ code, message }` summary stored on runs and delivery attempts. */
export function toErrorInfo(
  error: unknown,
  fallbackCode: CronhookErrorCode = 'ERR_HANDLER_FAILED',
): ErrorInfo {
  if (error instanceof CronhookError) return { code: error.code, message: error.message };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      code: typeof code === 'string' && code.startsWith('ERR_') ? code : fallbackCode,
      message: error.message.slice(0, 1000),
    };
  }
  return { code: fallbackCode, message: String(error).slice(0, 1000) };
}

/** Error summary stored with runs and delivery attempts. */
export interface ErrorInfo {
  code: string;
  message: string;
}
