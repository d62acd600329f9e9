/**
 * A real `node:http` server on 127.0.0.1 for tests: transport, notifier and scheduler tests send real
 * requests to it over loopback and inspect what arrived.
 *
 * @example
 * const server = await startHttpServer((req, res) => res.writeHead(204).end());
 * try {
 *   await transport.send({ url: server.url('/hook'), body: '{}' });
 *   expect(server.requests[0]?.body).toBe('{}');
 * } finally {
 *   await server.close();
 * }
 *
 * Misbehaving receivers are handlers too: never answer (do nothing), `req.socket.destroy()` to close before
 * headers, `req.socket.resetAndDestroy()` for a TCP reset, `req.socket.end('garbage')` for invalid HTTP,
 * or stream with {@link writeUntilClosed}.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as the server received it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, e.g. `/hook?x=1`. */
  path: string;
  /** Lower-cased names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: string;
  /** `Date.now()` when the body had arrived. */
  receivedAt: number;
}

/**
 * Answers one request. `body` is the request body, already read. Resolve or return once the response is
 * under way; a handler that throws answers 500.
 */
export type TestRequestHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
) => void | Promise<void>;

export interface TestHttpServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  /** Every request received so far, in order of arrival. */
  readonly requests: ReceivedRequest[];
  readonly server: Server;
  /** Absolute URL of `path` on this server. @default '/' */
  url(path?: string): string;
  /** Replaces the handler for the requests that follow. */
  setHandler(handler: TestRequestHandler): void;
  /** Stops listening and destroys open connections (hanging handlers included). Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Answers 200 with an empty body. */
const OK: TestRequestHandler = (_req, res) => {
  res.writeHead(200).end();
};

/**
 * Starts a server on 127.0.0.1 on a free port. Always close it (`afterEach`, `finally` or `await using`).
 *
 * @param handler answers each request. @default 200 with an empty body
 */
export async function startHttpServer(handler: TestRequestHandler = OK): Promise<TestHttpServer> {
  let current = handler;
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the client went away while sending
    }
    const body = Buffer.concat(chunks).toString('utf8');
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
      ),
      body,
      receivedAt: Date.now(),
    });
    try {
      await current(req, res, body);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500).end(String(error));
      else res.destroy();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };
  return {
    origin,
    port,
    requests,
    server,
    url: (path = '/') => `${origin}${path.startsWith('/') ? path : `/${path}`}`,
    setHandler: (next) => {
      current = next;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Streams `chunk` repeatedly to `res`, respecting back-pressure, until `totalBytes` are written or the
 * client closes the connection. Resolves with the bytes written, so a test can prove the sender stopped
 * early. Sends no content-length (chunked) unless the handler set one.
 */
export async function writeUntilClosed(
  res: ServerResponse,
  totalBytes: number,
  chunk: Buffer = Buffer.alloc(64 * 1024, 'x'),
): Promise<number> {
  let written = 0;
  if (!res.headersSent) res.writeHead(res.statusCode || 200);
  while (written < totalBytes && !res.destroyed && !res.socket?.destroyed) {
    const piece = totalBytes - written >= chunk.length ? chunk : chunk.subarray(0, totalBytes - written);
    written += piece.length;
    if (!res.write(piece) && !(await drainedOrClosed(res))) break;
  }
  if (!res.destroyed) res.end();
  return written;
}

function drainedOrClosed(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (drained: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(drained);
    };
    const onDrain = () => settle(true);
    const onClose = () => settle(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/** The port of a server that was just closed: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = await startHttpServer();
  await server.close();
  return server.port;
}

/** A response read in full by {@link sendRequest}. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends one request with exactly the headers given, `Host` included (which `fetch()` always sets itself):
 * what a page reaching a loopback server under its own name (DNS rebinding) makes a browser send.
 */
export function sendRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
