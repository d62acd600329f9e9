import { describeValue } from '../errors.js';
import { bad, intIn, jsonCopy } from './job-field-checks.js';
import type { HandlerTarget, HttpTarget, JobTarget } from './types.js';

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
