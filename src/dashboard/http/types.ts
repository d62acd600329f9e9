import type { IncomingMessage } from 'node:http';

/**
 * The request as `authorize` and `permissions` see it, whichever way the dashboard is mounted.
 *
 * @example
 * authorize: (req) => req.headers.get('x-forwarded-user') !== null
 */
export interface DashboardRequest {
  /** `GET`, `POST`, … */
  readonly method: string;
  /** The URL as received by this process (behind a proxy that strips the base path, without it). */
  readonly url: URL;
  readonly headers: Headers;
  /** The node:http request (an Express or Connect `req`, with its session) when mounted with `handler`. */
  readonly node?: IncomingMessage;
  /** The Web `Request` when mounted with `fetch`. */
  readonly web?: Request;
}

/** A request after parsing, as pages and actions use it. */
export interface Incoming {
  readonly request: DashboardRequest;
  /** Path inside the dashboard, starting with `/` (the base path removed). */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Request cookies by name. */
  readonly cookies: ReadonlyMap<string, string>;
  /** True when the browser reached us over https (directly or through a proxy that says so). */
  readonly secure: boolean;
  /** Reads an `application/x-www-form-urlencoded` body, at most `limit` bytes. */
  readForm(limit: number): Promise<URLSearchParams>;
}

/** A response before it is written to node:http or turned into a Web `Response`. */
export interface Outgoing {
  status: number;
  headers: Record<string, string | string[]>;
  body: string | Uint8Array;
}
