import { createHash, timingSafeEqual } from 'node:crypto';
import { CronhookError } from '../../errors.js';
import type { DashboardRequest } from '../http/types.js';

/** An `authorize` function; `challenge` is sent as `WWW-Authenticate` with a 401 so browsers ask. */
export type Authorizer = ((request: DashboardRequest) => boolean) & { challenge?: string };

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

/**
 * HTTP Basic authentication for the dashboard: the browser asks for a user name and password.
 * Use it over https only (the password travels with every request).
 *
 * @example createDashboard({ scheduler, authorize: basicAuth({ username: 'ops', password: process.env.DASHBOARD_PASSWORD! }) })
 */
export function basicAuth(options: { username: string; password: string; realm?: string }): Authorizer {
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
  return check;
}

/**
 * A bearer token in the `Authorization` header, for a proxy or script that adds it.
 *
 * @example createDashboard({ notifier, authorize: bearerToken(process.env.DASHBOARD_TOKEN!) })
 */
export function bearerToken(token: string): Authorizer {
  const expected = required('token', token);
  return (request) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
    return m !== null && same(m[1]!, expected);
  };
}
