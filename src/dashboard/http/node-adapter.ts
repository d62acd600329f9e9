import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { checkFormType, parsedBody, readLimited } from './body.js';
import { parseCookies } from './cookies.js';
import type { DashboardRequest, Incoming, Outgoing } from './types.js';

/** What the node:http / Express / Connect handler needs from the dashboard. */
export interface NodeDispatch {
  /** Null when the request is not the dashboard's (then `next()` is called when there is one). */
  route(path: string): string | null;
  respond(incoming: Incoming): Promise<Outgoing>;
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      try {
        headers.append(name, item);
      } catch {
        // A header value Headers refuses (non-Latin-1) is dropped: nothing we read needs it.
      }
    }
  }
  return headers;
}

/** True for https, directly or as told by a proxy in `x-forwarded-proto`. */
export function isSecure(encrypted: boolean, headers: Headers): boolean {
  const forwarded = headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return encrypted || forwarded === 'https';
}

/** Adapts the dashboard to `(req, res, next?)`. */
export function nodeHandler(
  dispatch: NodeDispatch,
): (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void {
  return (req, res, next) => {
    const encrypted = Boolean((req.socket as TLSSocket | undefined)?.encrypted);
    const headers = headersOf(req);
    const host = headers.get('host') ?? 'localhost';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `${encrypted ? 'https' : 'http'}://${host}`);
    } catch {
      url = new URL('http://localhost/');
    }
    const path = dispatch.route(url.pathname);
    if (path === null && next) {
      next();
      return;
    }
    const request: DashboardRequest = { method: req.method ?? 'GET', url, headers, node: req };
    const incoming: Incoming = {
      request,
      path: path ?? url.pathname,
      query: url.searchParams,
      cookies: parseCookies(headers.get('cookie')),
      secure: isSecure(encrypted, headers),
      async readForm(limit) {
        checkFormType(headers.get('content-type'));
        const parsed = parsedBody((req as IncomingMessage & { body?: unknown }).body);
        if (parsed && req.readableEnded) return parsed;
        return readLimited(req, limit);
      },
    };
    dispatch.respond(incoming).then(
      (out) => write(res, out),
      (error: unknown) => {
        if (next) next(error);
        else if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal error');
        else res.destroy();
      },
    );
  };
}

function write(res: ServerResponse, out: Outgoing): void {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(out.headers)) {
    // Policies the host app set (Helmet's, say) stay, and ours is added: a browser enforces both.
    if (name === 'content-security-policy' && res.hasHeader(name)) {
      res.appendHeader(name, value);
    } else {
      res.setHeader(name, value);
    }
  }
  res.statusCode = out.status;
  res.end(out.body);
}
