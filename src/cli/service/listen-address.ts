import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { UsageError } from '../command.js';

/** Where a service server listens. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Where a port given alone listens: this machine only, so nothing is exposed by accident. */
export const DEFAULT_HOST = '127.0.0.1';

/**
 * Reads `--metrics` / `--health` values: `9464`, `:9464`, `127.0.0.1:9464`, `0.0.0.0:9464` or
 * `[::1]:9464`. A port without a host listens on 127.0.0.1.
 */
export function parseListenAddress(text: string, flag: string): ListenAddress {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)?:)?(\d{1,5})$/.exec(text.trim());
  const port = m === null ? Number.NaN : Number(m[2]);
  if (m === null || !Number.isInteger(port) || port > 65_535) {
    throw new UsageError(
      `--${flag} is ${JSON.stringify(text)}; expected [host:]port, e.g. 127.0.0.1:9464 or 9464`,
      flag,
    );
  }
  const host = m[1] === undefined || m[1] === '' ? DEFAULT_HOST : m[1].replace(/^\[|\]$/g, '');
  return { host, port };
}

/** True for a listen host only this machine can reach: `localhost`, 127.0.0.0/8 or `::1`. */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase();
  return name === 'localhost' || name === '::1' || (isIP(name) === 4 && name.startsWith('127.'));
}

/**
 * True when a request's `Host` header names this machine: `localhost` (or a name under `.localhost`, which
 * browsers resolve to loopback themselves), an address in 127.0.0.0/8 or `[::1]`, with any port.
 */
export function hostNamesLoopback(header: string | undefined): boolean {
  if (header === undefined) return false;
  const text = header.trim().toLowerCase();
  const name = text.startsWith('[') ? text.slice(1, text.indexOf(']')) : text.replace(/:\d*$/, '');
  return isLoopback(name) || name.endsWith('.localhost');
}

/**
 * A server listening on a loopback address answers only requests that name this machine in `Host`. Without
 * this, any web page could read it and post to it: its own name made to resolve to 127.0.0.1 (DNS rebinding)
 * makes the browser treat the server as that page's own origin. Answers 421 and returns true when refused.
 */
export function refuseForeignHost(listenHost: string, req: IncomingMessage, res: ServerResponse): boolean {
  if (!isLoopback(listenHost) || hostNamesLoopback(req.headers.host)) return false;
  const text = 'This server answers requests for localhost only (the Host header names another site).\n';
  res.writeHead(421, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    connection: 'close',
  });
  res.end(req.method === 'HEAD' ? undefined : text);
  return true;
}
