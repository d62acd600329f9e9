import type { Incoming } from '../http/types.js';

function hostOf(value: string): string | null {
  try {
    return new URL(value).host.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * True when a POST comes from a page of this same site. The Origin header must name the host the request
 * was sent to (or one of `allowedOrigins`). Browsers send `Origin: null` under some referrer policies; then
 * the Fetch Metadata header `Sec-Fetch-Site: same-origin` decides. A request with neither, from a client that
 * is not a browser, must name a same-site Referer.
 */
export function isSameOrigin(incoming: Incoming, allowedOrigins: readonly string[]): boolean {
  const headers = incoming.request.headers;
  const hosts = new Set<string>();
  for (const name of ['host', 'x-forwarded-host']) {
    const value = headers.get(name)?.split(',')[0]?.trim().toLowerCase();
    if (value) hosts.add(value);
  }
  const origin = headers.get('origin');
  if (origin !== null && origin !== 'null') {
    if (allowedOrigins.includes(origin)) return true;
    const host = hostOf(origin);
    return host !== null && hosts.has(host);
  }
  const site = headers.get('sec-fetch-site');
  if (site !== null) return site === 'same-origin';
  if (origin === 'null') return false;
  const referer = headers.get('referer');
  if (referer === null) return false;
  const host = hostOf(referer);
  return host !== null && hosts.has(host);
}
