import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ListenAddress, refuseForeignHost } from './listen-address.js';

/** What `/readyz` reports (see `Scheduler.health()`): `ready`, and the checks behind it, sent as JSON. */
export interface Readiness {
  ready: boolean;
}

export interface ServiceServerOptions {
  address: ListenAddress;
  /** Answers `/readyz`. */
  readiness: () => Promise<Readiness>;
  /** Answers `/metrics` (the Prometheus exporter's handler); 404 without it. */
  metrics?: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface ServiceServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The small HTTP server of `cronhook run`: `/healthz` (the process is alive and serving: always 200),
 * `/readyz` (200 when ready, 503 with the failing checks otherwise; JSON either way) and, with the
 * Prometheus exporter, `/metrics`. GET and HEAD only; nothing else is served.
 */
export async function startServiceServer(options: ServiceServerOptions): Promise<ServiceServer> {
  const server: Server = createServer((req, res) => {
    void handle(options, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.listen(options.address.port, options.address.host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => Promise.reject(error)),
  ]);
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(options: ServiceServerOptions, req: IncomingMessage, res: ServerResponse) {
  if (refuseForeignHost(options.address.host, req, res)) return;
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  if (path === '/healthz') return json(req, res, 200, { status: 'ok' });
  if (path === '/readyz') {
    const readiness = await options.readiness();
    return json(req, res, readiness.ready ? 200 : 503, readiness);
  }
  if (path === '/metrics' && options.metrics !== undefined) return options.metrics(req, res);
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
}

function json(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}
