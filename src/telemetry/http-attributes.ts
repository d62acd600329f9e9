import type { Attributes } from '@opentelemetry/api';
import { CronhookError } from '../errors.js';
import { safeUrl } from '../transport/safe-url.js';
import type { TransportRequest, TransportResponse } from '../transport/types.js';
import { ATTR } from './names.js';

/** What the HTTP client conventions need of a request's URL and method, made once for each. */
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
  /** The attributes of its client span's start (first attempt), made once. */
  spanAttributes: Attributes;
}

/** A parsed URL, and its targets by method (made once each: jobs and endpoints call the same URLs again). */
interface ParsedUrl {
  address: string;
  port: number;
  scheme: string;
  safeUrl: string;
  methods: Map<string, HttpTarget>;
}

/** URLs parsed so far; cleared when full. */
const parsed = new Map<string, ParsedUrl | null>();
const MAX_PARSED = 1_000;

/** The request's target, or null when its URL does not parse (the transport then fails the request). */
export function httpTarget(request: TransportRequest): HttpTarget | null {
  let url = parsed.get(request.url);
  if (url === undefined) {
    url = parseUrl(request.url);
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(request.url, url);
  }
  if (url === null) return null;
  const method = request.method ?? 'POST';
  let target = url.methods.get(method);
  if (target === undefined) {
    const { address, port, scheme, safeUrl } = url;
    const upper = method.toUpperCase();
    // Frozen: the SDK may keep attribute objects it is given (a metric's series key), so none is changed.
    const spanAttributes = Object.freeze({
      [ATTR.httpMethod]: upper,
      [ATTR.serverAddress]: address,
      [ATTR.serverPort]: port,
      [ATTR.urlFull]: safeUrl,
      [ATTR.urlScheme]: scheme,
    });
    target = { method: upper, address, port, scheme, safeUrl, spanAttributes };
    url.methods.set(method, target);
  }
  return target;
}

function parseUrl(text: string): ParsedUrl | null {
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
    methods: new Map(),
  };
}

/** The attributes a client span starts with (they also go to the sampler). */
export function requestAttributes(target: HttpTarget, resendCount: number): Attributes {
  if (resendCount === 0) return target.spanAttributes;
  return { ...target.spanAttributes, [ATTR.httpResendCount]: resendCount };
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
