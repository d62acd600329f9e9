import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { serializeCookie } from '../http/cookies.js';
import type { Incoming } from '../http/types.js';

const SESSION_COOKIE = 'cronhook_session';
const SESSION_ID = /^[A-Za-z0-9_-]{32}$/;

/** The browser's session with the dashboard: an id in a cookie, and the CSRF token bound to it. */
export interface Session {
  id: string;
  /** The token every form carries; valid only with this session's cookie. */
  csrfToken: string;
  /** `Set-Cookie` to send when the session is new. */
  setCookie: string | null;
}

/**
 * Sessions and CSRF tokens. A token is an HMAC of the session id under a key (given, or random per process),
 * so nothing is stored and a token stolen without its cookie, or a cookie without its token, is useless.
 */
export class Sessions {
  readonly #key: Buffer;
  readonly #cookiePath: string;

  constructor(key: string | undefined, cookiePath: string) {
    this.#key = key === undefined ? randomBytes(32) : Buffer.from(key, 'utf8');
    this.#cookiePath = cookiePath;
  }

  /** The request's session, or a new one (with its cookie to set) when it has none. */
  session(incoming: Incoming): Session {
    const existing = incoming.cookies.get(SESSION_COOKIE);
    if (existing !== undefined && SESSION_ID.test(existing)) {
      return { id: existing, csrfToken: this.#token(existing), setCookie: null };
    }
    const id = randomBytes(24).toString('base64url');
    const setCookie = serializeCookie(SESSION_COOKIE, id, {
      path: this.#cookiePath,
      secure: incoming.secure,
    });
    return { id, csrfToken: this.#token(id), setCookie };
  }

  /** True when `token` is the CSRF token of the request's own session cookie. */
  verify(incoming: Incoming, token: string | null): boolean {
    const id = incoming.cookies.get(SESSION_COOKIE);
    if (id === undefined || !SESSION_ID.test(id) || token === null) return false;
    const expected = Buffer.from(this.#token(id));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #token(id: string): string {
    return createHmac('sha256', this.#key).update(`csrf:${id}`).digest('base64url');
  }
}
