import { createHash, timingSafeEqual } from 'node:crypto';
import { type Clock, systemClock } from '../../clock.js';
import { CronhookError } from '../../errors.js';
import type { DashboardRequest } from '../http/types.js';

/** An `authorize` function; `challenge` is sent as `WWW-Authenticate` with a 401 so browsers ask. */
export type Authorizer = ((request: DashboardRequest) => boolean) & { challenge?: string };

/**
 * The guessing limit of {@link basicAuth} and {@link bearerToken}, and of any authorizer wrapped with
 * {@link limitSignIns}: after `maxFailures` requests with wrong credentials from one client within `windowMs`,
 * that client's requests are refused unchecked with 429 and `Retry-After` until its window ends. Requests
 * without an `Authorization` header (a browser's first request, before it asks for a password) are not counted.
 *
 * @example basicAuth({ username: 'ops', password, limit: { maxFailures: 5, windowMs: 15 * 60_000 } })
 */
export interface SignInLimitOptions {
  /** Wrong credentials allowed per client within a window; the next request is refused. @default 20 */
  maxFailures?: number;
  /** How long a client's window lasts, from its first wrong credentials, in ms. @default 60_000 (a minute) */
  windowMs?: number;
  /** Where the time comes from (a `FakeClock` in tests). @default the system clock */
  clock?: Clock;
  /**
   * The client a request counts for. Behind a reverse proxy every request comes from the proxy: return the
   * client address the proxy puts in a header (only if nothing else can reach the app), or a guesser locks
   * everyone out for the rest of its window.
   * @default the connection's remote address (`request.node.socket.remoteAddress`); one shared client,
   * `"unknown"`, when the dashboard is mounted with `fetch`, which has none
   * @example clientKey: (req) => req.headers.get('x-real-ip') ?? 'unknown'
   */
  clientKey?: (request: DashboardRequest) => string;
  /** Called once per client and window, when the client reaches the limit (to log it, say). */
  onLimited?: (client: string) => void;
}

/** Thrown by a limited authorizer for a client past its limit: the dashboard answers 429 with `Retry-After`. */
export class TooManySignInsError extends CronhookError {
  override name = 'TooManySignInsError';
  /** Until the client's window ends, in ms. */
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number) {
    super(
      'ERR_RATE_LIMITED',
      `Too many wrong credentials from this address; try again in ${Math.ceil(retryAfterMs / 1000)} s.`,
    );
    this.retryAfterMs = retryAfterMs;
  }
}

/** Clients remembered at most (memory stays bounded): past it, new clients are not counted until some expire. */
const MAX_CLIENTS = 10_000;

/**
 * `check` with a guessing limit (see {@link SignInLimitOptions}): a client that has sent `maxFailures` wrong
 * credentials within its window is refused unchecked, with a {@link TooManySignInsError} (429), until the window
 * ends. {@link basicAuth} and {@link bearerToken} have one already; wrap an authorizer of your own, or two of
 * them combined, with `limit: false` on each.
 *
 * @example
 * const basic = basicAuth({ username: 'ops', password, limit: false });
 * const token = bearerToken(process.env.DASHBOARD_TOKEN!, { limit: false });
 * const either: Authorizer = Object.assign((req: DashboardRequest) => basic(req) || token(req), { challenge: basic.challenge });
 * createDashboard({ scheduler, authorize: limitSignIns(either) });
 */
export function limitSignIns(check: Authorizer, options: SignInLimitOptions = {}): Authorizer {
  const maxFailures = positiveInt('limit.maxFailures', options.maxFailures ?? 20);
  const windowMs = positiveInt('limit.windowMs', options.windowMs ?? 60_000);
  const clock = options.clock ?? systemClock;
  const clientKey = options.clientKey ?? ((request) => request.node?.socket?.remoteAddress ?? 'unknown');
  /** Per client: wrong credentials in its window, and when the window started. */
  const failures = new Map<string, { count: number; since: number }>();
  const sweep = (now: number) => {
    for (const [client, entry] of failures) if (now - entry.since >= windowMs) failures.delete(client);
  };
  const limited: Authorizer = (request) => {
    const now = clock.now();
    const client = clientKey(request);
    let entry = failures.get(client);
    if (entry !== undefined && now - entry.since >= windowMs) {
      failures.delete(client);
      entry = undefined;
    }
    if (entry !== undefined && entry.count >= maxFailures) {
      throw new TooManySignInsError(entry.since + windowMs - now);
    }
    const allowed = check(request);
    if (!allowed && request.headers.has('authorization')) {
      if (entry === undefined) {
        if (failures.size >= MAX_CLIENTS) sweep(now);
        if (failures.size < MAX_CLIENTS) {
          entry = { count: 0, since: now };
          failures.set(client, entry);
        }
      }
      if (entry !== undefined && ++entry.count === maxFailures) options.onLimited?.(client);
    }
    return allowed;
  };
  if (check.challenge !== undefined) limited.challenge = check.challenge;
  return limited;
}

function positiveInt(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new CronhookError('ERR_INVALID_OPTION', `${field} must be a whole number of at least 1`, { field });
  }
  return value;
}

/** `check` with the guessing limit `limit` asks for: none for `false`, the defaults for `undefined`. */
function withLimit(check: Authorizer, limit: SignInLimitOptions | false | undefined): Authorizer {
  if (limit === false) return check;
  if (limit !== undefined && (limit === null || typeof limit !== 'object')) {
    throw new CronhookError('ERR_INVALID_OPTION', 'limit must be an object of options or false', {
      field: 'limit',
    });
  }
  return limitSignIns(check, limit);
}

/** Compares secrets in constant time (by their hashes, so lengths do not leak either). */
function same(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function required(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new CronhookError('ERR_INVALID_OPTION', `${field} must be a non-empty string`, { field });
  }
  return value;
}

/** Options of {@link basicAuth}. */
export interface BasicAuthOptions {
  username: string;
  password: string;
  /** Shown by the browser when it asks. @default 'cronhook' */
  realm?: string;
  /**
   * The guessing limit (see {@link SignInLimitOptions}); `false` for none (when you limit guesses yourself).
   * @default {} (20 wrong credentials per client address and minute, then 429 until the minute ends)
   */
  limit?: SignInLimitOptions | false;
}

/**
 * HTTP Basic authentication for the dashboard: the browser asks for a user name and password, compared in
 * constant time. Use it over https only (the password travels with every request). Guesses are limited (see
 * `limit`): a client that sends 20 wrong passwords within a minute gets 429 until the minute ends.
 *
 * @example createDashboard({ scheduler, authorize: basicAuth({ username: 'ops', password: process.env.DASHBOARD_PASSWORD! }) })
 */
export function basicAuth(options: BasicAuthOptions): Authorizer {
  const username = required('username', options?.username);
  const password = required('password', options?.password);
  if (username.includes(':')) {
    throw new CronhookError('ERR_INVALID_OPTION', 'username must not contain ":" (RFC 7617)', {
      field: 'username',
    });
  }
  const realm = (options.realm ?? 'cronhook').replace(/["\\]/g, '');
  // One comparison of "user:password" as a whole: comparing the user name first, and the password only when
  // it matched, told by the time taken whether a user name was right.
  const expected = `${username}:${password}`;
  const check: Authorizer = (request) => {
    const header = request.headers.get('authorization') ?? '';
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (!m) return false;
    return same(Buffer.from(m[1]!, 'base64').toString('utf8'), expected);
  };
  check.challenge = `Basic realm="${realm}", charset="UTF-8"`;
  return withLimit(check, options.limit);
}

/** Options of {@link bearerToken}. */
export interface BearerTokenOptions {
  /**
   * The guessing limit (see {@link SignInLimitOptions}); `false` for none (when you limit guesses yourself).
   * @default {} (20 wrong tokens per client address and minute, then 429 until the minute ends)
   */
  limit?: SignInLimitOptions | false;
}

/**
 * A bearer token in the `Authorization` header, for a proxy or script that adds it, compared in constant time.
 * Guesses are limited as with {@link basicAuth} (see `options.limit`).
 *
 * @example createDashboard({ notifier, authorize: bearerToken(process.env.DASHBOARD_TOKEN!) })
 * @example bearerToken(token, { limit: { maxFailures: 5, clientKey: (req) => req.headers.get('x-real-ip') ?? '' } })
 */
export function bearerToken(token: string, options: BearerTokenOptions = {}): Authorizer {
  const expected = required('token', token);
  const check: Authorizer = (request) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
    return m !== null && same(m[1]!, expected);
  };
  return withLimit(check, options?.limit);
}
