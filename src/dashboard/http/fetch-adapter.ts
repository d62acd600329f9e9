import { bodyTooLarge, checkFormType, readLimited } from './body.js';
import { parseCookies } from './cookies.js';
import { isSecure } from './node-adapter.js';
import type { Incoming, Outgoing } from './types.js';

/** Adapts the dashboard to a Web-standard `fetch(request) => Promise<Response>`. */
export function fetchHandler(dispatch: {
  route(path: string): string | null;
  respond(incoming: Incoming): Promise<Outgoing>;
}): (request: Request) => Promise<Response> {
  return async (web) => {
    const url = new URL(web.url);
    const headers = web.headers;
    const incoming: Incoming = {
      request: { method: web.method, url, headers, web },
      path: dispatch.route(url.pathname) ?? url.pathname,
      query: url.searchParams,
      cookies: parseCookies(headers.get('cookie')),
      secure: isSecure(url.protocol === 'https:', headers),
      async readForm(limit) {
        checkFormType(headers.get('content-type'));
        const declared = Number(headers.get('content-length') ?? '0');
        if (declared > limit) throw bodyTooLarge(limit);
        if (!web.body) return new URLSearchParams();
        return readLimited(web.body as unknown as AsyncIterable<Uint8Array>, limit);
      },
    };
    const out = await dispatch.respond(incoming);
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(out.headers)) {
      for (const item of Array.isArray(value) ? value : [value]) responseHeaders.append(name, item);
    }
    const body = out.status === 204 || out.status === 304 || web.method === 'HEAD' ? null : out.body;
    return new Response(body as string | null, { status: out.status, headers: responseHeaders });
  };
}
