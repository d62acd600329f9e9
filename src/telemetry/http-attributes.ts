import type { Attributes } from '@opentelemetry/api';
import { CronhookError } from '../errors.js';
import { safeUrl } from '../transport/safe-url.js';
import type { TransportRequest, TransportResponse } from '../transport/types.js';
import { ATTR } from './names.js';

/** What the HTTP client conventions need of a request's URL, made once per request. */
export interface HttpTarget {
  method: string;
  /** Host name or IP address, without the brackets of an IPv6 literal. */
  address: string;
  port: number;
  scheme: string;
  /**
   * `url.full` without what may hold a secret, as `safeUrl` names every destination: credentials, query
   * string and fragment are removed (the HTTP conventions would keep the query with some values redacted; a
   * job's query often carries an API key under any name, so none of it is kept).
   */
  safeUrl: string;
}

/** URLs parsed so far (jobs and endpoints call the same few URLs again and again); cleared when full. */
const parsed = new Map<string, Omit<HttpTarget, 'method'> | null>();
const MAX_PARSED = 1_000;

/** The request's target, or null when its URL does not parse (the transport then fails the request). */
export function httpTarget(request: TransportRequest): HttpTarget | null {
  let target = parsed.get(request.url);
  if (target === undefined) {
    target = parseTarget(request.url);
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(request.url, target);
  }
  return target === null ? null : { method: (request.method ?? 'POST').toUpperCase(), ...target };
}

function parseTarget(text: string): Omit<HttpTarget, 'method'> | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const scheme = url.protocol.slice(0, -1);
  const host = url.hostname;
  return {
    address: host.startsWith('[') ? host.slice(1, -1) : host,
    port: url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port),
    scheme,
    safeUrl: safeUrl(url),
  };
}

/** The attributes a client span starts with (they also go to the sampler). */
export function requestAttributes(target: HttpTarget, resendCount: number): Attributes {
  const attributes: Attributes = {
    [ATTR.httpMethod]: target.method,
    [ATTR.serverAddress]: target.address,
    [ATTR.serverPort]: target.port,
    [ATTR.urlFull]: target.safeUrl,
    [ATTR.urlScheme]: target.scheme,
  };
  if (resendCount > 0) attributes[ATTR.httpResendCount] = resendCount;
  return attributes;
}

/**
 * `error.type` of an HTTP call: the status code as a string for a 4xx or 5xx answer, the cronhook error code
 * for a failure to get one (`ERR_TIMEOUT`, `ERR_CONNECTION`, `ERR_DNS`, `ERR_DESTINATION_BLOCKED`, …; all
 * low-cardinality), `_OTHER` for anything else; undefined for a success.
 */
export function httpErrorType(response: TransportResponse | null, error: unknown): string | undefined {
  if (response !== null) return response.status >= 400 ? String(response.status) : undefined;
  return errorType(error);
}

/** A failure's low-cardinality name: its cronhook code when it has one, else `_OTHER`. */
export function errorType(error: unknown): string {
  if (error instanceof CronhookError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^ERR_[A-Z0-9_]{1,60}$/.test(code) ? code : '_OTHER';
}
