import { MAX_TIMER_DELAY_MS } from '../clock.js';
import { CronhookError, describeValue } from '../errors.js';
import { invalidNameProblem } from './header-rules.js';
import { safeUrl } from './safe-url.js';
import type { TransportRequest } from './types.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const LINE_BREAK = /[\r\n\0]/;
/**
 * Header names already found valid. Every request of a job or an endpoint carries the same few names, and a
 * name's validity depends on its text only, so a remembered answer is the answer (a `Set` lookup instead of
 * a pattern match per name). Bounded by {@link MAX_VALID_NAMES}; past it, names are checked every time.
 */
const validNames = new Set<string>();
const MAX_VALID_NAMES = 1024;

/** A request checked and ready for undici's `dispatch`. */
export interface PreparedRequest {
  /** `scheme://host[:port]`: what the connection pool is chosen by, and all error messages show. */
  origin: string;
  /** Path and query (the fragment is never sent). */
  path: string;
  method: string;
  /** Name, value, name, value, ...: the request's headers, plus `user-agent` when it has none. */
  headers: string[];
  body: string | undefined;
  timeoutMs: number | undefined;
}

/** Origin and path of a URL already parsed. */
export interface ParsedUrl {
  origin: string;
  path: string;
}

/**
 * URLs already parsed, by their text. Jobs and endpoints send to the same few URLs over and over; parsing is
 * a pure function of the text, so a remembered answer is the answer. Bounded by {@link MAX_PARSED_URLS}.
 */
export type ParsedUrls = Map<string, ParsedUrl>;
const MAX_PARSED_URLS = 1024;

/**
 * Checks a request before anything is sent and returns it ready to dispatch, with `userAgent` added when it
 * carries no `user-agent` header. `parsedUrls` remembers the URLs parsed (one map per transport, so what a
 * transport sent to is dropped with it).
 *
 * @throws CronhookError `ERR_INVALID_OPTION` naming `request.<field>`.
 */
export function prepareRequest(
  request: TransportRequest,
  userAgent: string,
  parsedUrls: ParsedUrls,
): PreparedRequest {
  if (request === null || typeof request !== 'object')
    throw invalid('request', request, 'an object like { url, method, headers, body, timeoutMs }');
  const { origin, path } = parseUrl(request.url, parsedUrls);
  const { method, headers, body, timeoutMs } = request;
  if (method !== undefined && (typeof method !== 'string' || !TOKEN.test(method)))
    throw invalid('request.method', method, "an HTTP method such as 'POST'");
  const list: string[] = [];
  let hasUserAgent = false;
  if (headers !== undefined) {
    if (headers === null || typeof headers !== 'object' || Array.isArray(headers))
      throw invalid('request.headers', headers, 'an object of header names to string values');
    const names = Object.keys(headers);
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const value = headers[name];
      if (!validNames.has(name)) {
        // The name is not echoed either: a whole `Authorization: Bearer …` line pasted as a name holds the token.
        if (!TOKEN.test(name))
          throw new CronhookError('ERR_INVALID_OPTION', `request.headers ${invalidNameProblem(name)}.`, {
            field: 'request.headers',
          });
        if (validNames.size < MAX_VALID_NAMES) validNames.add(name);
      }
      // The value is not echoed: headers carry credentials.
      if (typeof value !== 'string' || LINE_BREAK.test(value))
        throw new CronhookError(
          'ERR_INVALID_OPTION',
          `Invalid request.headers.${name}: expected a string without line breaks (value not shown).`,
          { field: `request.headers.${name}` },
        );
      list.push(name, value);
      if (!hasUserAgent && name.length === 10 && name.toLowerCase() === 'user-agent') hasUserAgent = true;
    }
  }
  if (!hasUserAgent) list.push('user-agent', userAgent);
  if (body !== undefined && typeof body !== 'string') throw invalid('request.body', body, 'a string');
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' || !(timeoutMs >= 1) || timeoutMs > MAX_TIMER_DELAY_MS)
  )
    throw invalid('request.timeoutMs', timeoutMs, `a number of milliseconds in 1..${MAX_TIMER_DELAY_MS}`);
  return { origin, path, method: method ?? 'POST', headers: list, body, timeoutMs };
}

function parseUrl(text: unknown, parsedUrls: ParsedUrls): ParsedUrl {
  if (typeof text === 'string') {
    const known = parsedUrls.get(text);
    if (known !== undefined) return known;
  }
  let url: URL | undefined;
  try {
    url = typeof text === 'string' ? new URL(text) : undefined;
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
  const parsed = {
    origin: safeUrl(url, { path: false }),
    path: url.search ? `${url.pathname}${url.search}` : url.pathname,
  };
  if (parsedUrls.size >= MAX_PARSED_URLS) parsedUrls.clear();
  parsedUrls.set(text as string, parsed);
  return parsed;
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
