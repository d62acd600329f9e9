import { MAX_TIMER_DELAY_MS } from '../clock.js';
import { CronhookError, describeValue } from '../errors.js';
import type { TransportRequest } from './types.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Checks a request before anything is sent and returns its parsed URL.
 *
 * @throws CronhookError `ERR_INVALID_OPTION` naming `request.<field>`.
 */
export function validateRequest(request: TransportRequest): URL {
  if (request === null || typeof request !== 'object')
    throw invalid('request', request, 'an object like { url, method, headers, body, timeoutMs }');
  let url: URL | undefined;
  try {
    url = typeof request.url === 'string' ? new URL(request.url) : undefined;
  } catch {
    url = undefined;
  }
  // The value is not echoed: webhook URLs often carry a secret in their path.
  if (url === undefined)
    throw new CronhookError('ERR_INVALID_OPTION', 'Invalid request.url: expected an absolute http(s) URL.', {
      field: 'request.url',
    });
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid('request.url', url.protocol, 'an http: or https: URL');
  const { method, headers, body, timeoutMs } = request;
  if (method !== undefined && (typeof method !== 'string' || !TOKEN.test(method)))
    throw invalid('request.method', method, "an HTTP method such as 'POST'");
  if (headers !== undefined && (headers === null || typeof headers !== 'object' || Array.isArray(headers)))
    throw invalid('request.headers', headers, 'an object of header names to string values');
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!TOKEN.test(name)) throw invalid('request.headers', name, 'valid header names');
    // The value is not echoed: headers carry credentials.
    if (typeof value !== 'string' || /[\r\n\0]/.test(value))
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        `Invalid request.headers.${name}: expected a string without line breaks (value not shown).`,
        { field: `request.headers.${name}` },
      );
  }
  if (body !== undefined && typeof body !== 'string') throw invalid('request.body', body, 'a string');
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' || !(timeoutMs >= 1) || timeoutMs > MAX_TIMER_DELAY_MS)
  )
    throw invalid('request.timeoutMs', timeoutMs, `a number of milliseconds in 1..${MAX_TIMER_DELAY_MS}`);
  return url;
}

/** An integer option in `min..2^31-1`, or `fallback` when absent. */
export function integerOption(field: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > MAX_TIMER_DELAY_MS)
    throw invalid(field, value, `an integer from ${min} to ${MAX_TIMER_DELAY_MS}`);
  return value;
}

export function invalid(field: string, value: unknown, allowed: string): CronhookError {
  return new CronhookError(
    'ERR_INVALID_OPTION',
    `Invalid ${field}: ${describeValue(value)}; expected ${allowed}.`,
    { field },
  );
}
