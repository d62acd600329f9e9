import { describeValue } from '../../errors.js';
import { headerBytes, headerProblem, isHeaderName, MAX_HEADER_BYTES } from '../../transport/header-rules.js';
import { hiddenUrlParts, safeUrl } from '../../transport/safe-url.js';
import { MAX_SECRET_BYTES, SECRET_PREFIX, secretKey } from '../../verify/secret.js';
import type { HandlerTarget, HttpTarget, JobTarget, PublicJobTarget } from '../types.js';
import { bad, checkBytes, intIn, JOB_LIMITS, jsonCopy } from './fields.js';

// A job's target (an HTTP call or an in-process handler): checked when the job is saved, so that what is
// accepted works on every run, and shown to callers without the values that carry secrets.

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
/** Fields of the public view: a target holding them was copied from `getJob` and lacks the values. */
const READ_ONLY = ['headerNames', 'hasSigningSecret', 'urlHidden'] as const;

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
    const payload =
      target.payload === undefined
        ? undefined
        : jsonCopy(jobId, 'target.payload', target.payload, JOB_LIMITS.payloadBytes);
    const out: HandlerTarget = { handler: target.handler, payload };
    if (timeoutMs !== undefined) out.timeoutMs = timeoutMs;
    return out;
  }
  if (!('url' in target)) throw bad(jobId, 'target', 'has neither url nor handler');
  return validateHttpTarget(jobId, target, timeoutMs);
}

function validateHttpTarget(jobId: string, target: HttpTarget, timeoutMs: number | undefined): HttpTarget {
  for (const key of READ_ONLY) {
    if (key in target)
      throw bad(
        jobId,
        `target.${key}`,
        'is part of the job as returned, not of a definition: a target replaces the stored one whole, and ' +
          'stored header values, signing secrets and URL queries are never returned, so give target.headers ' +
          'with their values (and target.signingSecret, and the whole target.url) again',
      );
  }
  const url = validateUrl(jobId, target.url);
  const method = typeof target.method === 'string' ? target.method.toUpperCase() : (target.method ?? 'POST');
  if (typeof method !== 'string' || !METHODS.has(method))
    throw bad(
      jobId,
      'target.method',
      `is ${describeValue(target.method)}; expected one of ${[...METHODS].join(', ')}`,
    );
  const out: HttpTarget = { url, method, headers: validateHeaders(jobId, target.headers) };
  if (target.body !== undefined) {
    if (typeof target.body === 'string') {
      checkBytes(jobId, 'target.body', target.body, JOB_LIMITS.bodyBytes);
      out.body = target.body;
    } else if (target.body !== null && typeof target.body === 'object') {
      out.body = jsonCopy(jobId, 'target.body', target.body, JOB_LIMITS.bodyBytes);
    } else {
      throw bad(
        jobId,
        'target.body',
        `is ${describeValue(target.body)}; expected a string, an object or an array`,
      );
    }
  }
  if (timeoutMs !== undefined) out.timeoutMs = timeoutMs;
  if (target.signingSecret !== undefined)
    out.signingSecret = validateSigningSecret(jobId, target.signingSecret);
  if (target.propagateTraceContext !== undefined) {
    if (typeof target.propagateTraceContext !== 'boolean') {
      throw bad(
        jobId,
        'target.propagateTraceContext',
        `is ${describeValue(target.propagateTraceContext)}; expected true or false`,
      );
    }
    out.propagateTraceContext = target.propagateTraceContext;
  }
  return out;
}

/** The URL as stored (normalized), never repeated in an error: its query or path may hold a token. */
function validateUrl(jobId: string, text: unknown): string {
  if (typeof text !== 'string') {
    throw bad(jobId, 'target.url', `is ${describeValue(text)}; expected an absolute http(s) URL`);
  }
  if (text.length > JOB_LIMITS.urlLength) {
    throw bad(
      jobId,
      'target.url',
      `is ${text.length} characters long; at most ${JOB_LIMITS.urlLength} are allowed`,
    );
  }
  const url = URL.parse(text);
  if (url === null) {
    throw bad(jobId, 'target.url', 'is not an absolute http(s) URL (not shown: a URL can hold a token)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw bad(jobId, 'target.url', `uses ${url.protocol}; only http: and https: are allowed`);
  }
  if (url.username !== '' || url.password !== '') {
    // They would never be sent (the HTTP client ignores them), and they would be stored in plain sight.
    throw bad(
      jobId,
      'target.url',
      'must not contain credentials (user:password@): they are never sent; put them in target.headers, ' +
        "e.g. { authorization: 'Basic …' } or an API key header",
    );
  }
  return url.toString();
}

function validateHeaders(jobId: string, given: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (given === undefined) return headers;
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw bad(
      jobId,
      'target.headers',
      `is ${describeValue(given)}; expected an object of header names to values`,
    );
  }
  for (const [name, value] of Object.entries(given)) {
    const problem = headerProblem(name, value);
    if (problem !== undefined) {
      // An invalid name is never repeated (it may hold a pasted credential), so it is not the field either.
      if (!isHeaderName(name)) throw bad(jobId, 'target.headers', problem);
      throw bad(jobId, `target.headers.${name}`, problem);
    }
    headers[name] = value as string;
  }
  const bytes = headerBytes(headers);
  if (bytes > MAX_HEADER_BYTES) {
    throw bad(jobId, 'target.headers', `add ${bytes} bytes; at most ${MAX_HEADER_BYTES} are allowed`);
  }
  return headers;
}

function validateSigningSecret(jobId: string, secret: unknown): string {
  const problem =
    typeof secret !== 'string'
      ? `is ${describeValue(typeof secret)}, not a string`
      : !secret.startsWith(SECRET_PREFIX)
        ? `does not start with "${SECRET_PREFIX}"`
        : keyProblem(secretKey(secret));
  if (problem !== undefined) {
    // The value is never repeated: it is a secret.
    throw bad(
      jobId,
      'target.signingSecret',
      `must be "${SECRET_PREFIX}" followed by canonical base64 of 24 to ${MAX_SECRET_BYTES} bytes; this one ${problem}`,
    );
  }
  return secret as string;
}

function keyProblem(key: Buffer | string): string | undefined {
  if (typeof key === 'string') return key;
  return key.length > MAX_SECRET_BYTES ? `decodes to ${key.length} bytes` : undefined;
}

/**
 * The target as callers see it (getJob, listJobs, job.* events, a handler's `ctx.job`): the URL as origin and
 * path, header names without their values, and whether calls are signed, never the secret. Storage keeps all.
 */
export function toPublicTarget(target: JobTarget): PublicJobTarget {
  if (!('url' in target)) return target;
  const { url, headers, signingSecret, ...rest } = target;
  const parsed = URL.parse(url);
  return {
    url: parsed === null ? '' : safeUrl(parsed),
    urlHidden: parsed === null ? [] : hiddenUrlParts(parsed),
    ...rest,
    headerNames: headers === undefined ? [] : Object.keys(headers),
    hasSigningSecret: signingSecret !== undefined,
  };
}
