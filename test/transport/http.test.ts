import diagnostics from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isCronhookError } from '../../src/errors.js';
import { HttpTransport, type HttpTransportOptions } from '../../src/transport/http.js';
import type { TransportRequest } from '../../src/transport/types.js';
import { closedPort, writeUntilClosed } from '../helpers/http-server.js';
import { useHttpFixtures } from '../helpers/transport-fixtures.js';

const packageVersion = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;

const { server, transport } = useHttpFixtures();

async function rejection(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; field?: string }> {
  try {
    await promise;
  } catch (error) {
    if (isCronhookError(error)) return error as { code: string; message: string; field?: string };
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('HttpTransport: responses', () => {
  it.each([200, 201, 204, 400, 404, 410, 500, 503])(
    'passes status %i and its body through',
    async (status) => {
      const body = status === 204 ? '' : `answer ${status}`;
      const receiver = await server((_req, res) => {
        res.writeHead(status, { 'x-answer': String(status) }).end(body);
      });
      const response = await transport().send({ url: receiver.url('/hook'), body: '{}' });
      expect(response).toMatchObject({ status, body, bodyTruncated: false });
      expect(response.headers['x-answer']).toBe(String(status));
    },
  );

  it('sends method, path, headers and body, with a default user-agent', async () => {
    const receiver = await server();
    await transport().send({
      url: receiver.url('/hooks/a?x=1'),
      headers: { 'Content-Type': 'application/json', 'X-Custom': 'yes' },
      body: '{"a":1}',
    });
    await transport().send({ url: receiver.url('/status'), method: 'GET' });
    expect(receiver.requests).toHaveLength(2);
    const [post, get] = receiver.requests;
    expect(post).toMatchObject({ method: 'POST', path: '/hooks/a?x=1', body: '{"a":1}' });
    expect(post?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-custom': 'yes',
      'user-agent': `cronhook/${packageVersion}`,
    });
    expect(get).toMatchObject({ method: 'GET', path: '/status', body: '' });
  });

  it('keeps a user-agent given by the request or the options', async () => {
    const receiver = await server();
    await transport({ userAgent: 'acme-scheduler/2' }).send({ url: receiver.url() });
    await transport().send({ url: receiver.url(), headers: { 'User-Agent': 'mine/1' } });
    expect(receiver.requests.map((r) => r.headers['user-agent'])).toEqual(['acme-scheduler/2', 'mine/1']);
  });

  it('joins repeated response headers and lower-cases names', async () => {
    const receiver = await server((_req, res) => {
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.setHeader('Retry-After', '120');
      res.writeHead(503).end();
    });
    const { headers } = await transport().send({ url: receiver.url() });
    expect(headers['set-cookie']).toBe('a=1, b=2');
    expect(headers['retry-after']).toBe('120');
  });

  it('skips 1xx informational answers and returns the final response', async () => {
    const receiver = await server((_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.writeHead(201, { 'x-final': 'yes' }).end('created');
    });
    const response = await transport().send({ url: receiver.url() });
    expect(response).toMatchObject({ status: 201, body: 'created', bodyTruncated: false });
    expect(response.headers['x-final']).toBe('yes');
  });

  it('assembles a body sent in many chunks, characters split across chunks included', async () => {
    const text = `${'ä€😀'.repeat(500)}end`;
    const bytes = Buffer.from(text, 'utf8');
    const receiver = await server(async (_req, res) => {
      res.writeHead(200);
      // 7-byte pieces, each flushed on its own, cut through multi-byte characters.
      for (let i = 0; i < bytes.length; i += 7) {
        res.write(bytes.subarray(i, i + 7));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });
    const response = await transport().send({ url: receiver.url() });
    expect(response.body).toBe(text);
    expect(response.bodyTruncated).toBe(false);
  });

  it('sends the path and query of the URL, never its fragment', async () => {
    const receiver = await server();
    const http = transport();
    await http.send({ url: receiver.url('/a/b?x=1&y=%20#frag') });
    await http.send({ url: receiver.url('/a/b?x=1&y=%20#frag') });
    await http.send({ url: `${receiver.origin}#only-fragment` });
    expect(receiver.requests.map((r) => r.path)).toEqual(['/a/b?x=1&y=%20', '/a/b?x=1&y=%20', '/']);
  });

  it('measures durationMs as the time the attempt took', async () => {
    const receiver = await server();
    const before = performance.now();
    const { durationMs } = await transport().send({ url: receiver.url() });
    const elapsed = performance.now() - before;
    expect(durationMs).toBeGreaterThan(0);
    expect(durationMs).toBeLessThanOrEqual(elapsed);
  });

  it('reuses pooled connections for requests to one origin', async () => {
    const ports: number[] = [];
    const receiver = await server((req, res) => {
      ports.push(req.socket.remotePort ?? -1);
      res.end('ok');
    });
    const http = transport();
    for (let i = 0; i < 6; i++) await http.send({ url: receiver.url(`/${i}`) });
    expect(ports).toHaveLength(6);
    // undici frees a socket a tick after the body ends, so back-to-back sends may open a second one;
    // without pooling there would be six.
    expect(new Set(ports).size).toBeLessThanOrEqual(2);
  });

  it('encodes a body sent again in a row once, and sends each body as it is', async () => {
    // What undici is handed, per request: a body string would be encoded again for each.
    const bodies: unknown[] = [];
    const created = ({ request }: { request: { body: unknown } }) => void bodies.push(request.body);
    diagnostics.subscribe('undici:request:create', created as (message: unknown) => void);
    try {
      const receiver = await server();
      const http = transport();
      const message = JSON.stringify({ type: 'order.created', data: { note: 'naïve ✓' } });
      for (const path of ['/a', '/b', '/c']) await http.send({ url: receiver.url(path), body: message });
      const other = message.replace('order', 'ordre');
      await http.send({ url: receiver.url('/d'), body: other });
      await http.send({ url: receiver.url('/e'), body: `${message}` });
      expect(receiver.requests.map((r) => [r.path, r.body])).toEqual([
        ['/a', message],
        ['/b', message],
        ['/c', message],
        ['/d', other],
        ['/e', message],
      ]);
      expect(bodies.every((b) => Buffer.isBuffer(b))).toBe(true);
      expect(bodies[1]).toBe(bodies[0]);
      expect(bodies[2]).toBe(bodies[0]);
      expect(bodies[3]).not.toBe(bodies[0]);
    } finally {
      diagnostics.unsubscribe('undici:request:create', created as (message: unknown) => void);
    }
  });

  it('resolves a redirect with its status and follows nothing', async () => {
    const target = await server();
    const receiver = await server((_req, res) => {
      res.writeHead(301, { location: target.url('/internal') }).end();
    });
    const response = await transport().send({ url: receiver.url('/moved') });
    expect(response.status).toBe(301);
    expect(response.headers.location).toBe(target.url('/internal'));
    expect(target.requests).toHaveLength(0);
  });
});

describe('HttpTransport: body cap', () => {
  it('keeps the first maxResponseBytes and reports the rest as truncated', async () => {
    const receiver = await server((req, res) => {
      res.end(req.url === '/exact' ? '0123456789' : '0123456789A');
    });
    const http = transport({ maxResponseBytes: 10 });
    expect(await http.send({ url: receiver.url('/exact') })).toMatchObject({
      body: '0123456789',
      bodyTruncated: false,
    });
    expect(await http.send({ url: receiver.url('/longer') })).toMatchObject({
      body: '0123456789',
      bodyTruncated: true,
    });
  });

  it('ends a 1 GB response after the default 64 KB without reading the rest', async () => {
    let sent: Promise<number> | undefined;
    const receiver = await server((_req, res) => {
      sent = writeUntilClosed(res, 1024 ** 3);
    });
    const before = performance.now();
    const response = await transport().send({ url: receiver.url('/huge'), timeoutMs: 20_000 });
    expect(performance.now() - before).toBeLessThan(5_000);
    expect(response.status).toBe(200);
    expect(response.bodyTruncated).toBe(true);
    expect(response.body).toHaveLength(64 * 1024);
    // The sender saw the connection close and stopped: only socket buffers' worth was written.
    expect(await sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('fails with ERR_RESPONSE_TOO_LARGE when headers exceed maxHeaderBytes', async () => {
    const receiver = await server((_req, res) => {
      res.writeHead(200, { 'x-big': 'a'.repeat(8 * 1024) }).end();
    });
    const error = await rejection(transport({ maxHeaderBytes: 4096 }).send({ url: receiver.url() }));
    expect(error.code).toBe('ERR_RESPONSE_TOO_LARGE');
    expect(error.message).toContain('maxHeaderBytes');
    expect((await transport().send({ url: receiver.url() })).status).toBe(200);
  });
});

describe('HttpTransport: options and requests are validated', () => {
  const badOptions: Array<[options: unknown, field: string]> = [
    [{ connectTimeoutMs: 0 }, 'connectTimeoutMs'],
    [{ connectTimeoutMs: 1.5 }, 'connectTimeoutMs'],
    [{ connectTimeoutMs: '1000' }, 'connectTimeoutMs'],
    [{ maxResponseBytes: -1 }, 'maxResponseBytes'],
    [{ maxResponseBytes: Number.NaN }, 'maxResponseBytes'],
    [{ maxHeaderBytes: 100 }, 'maxHeaderBytes'],
    [{ userAgent: '' }, 'userAgent'],
    [{ userAgent: 'a\r\nx-injected: 1' }, 'userAgent'],
    [{ lookup: 'dns' }, 'lookup'],
    [{ addressPolicy: { allow: ['10.0.0.0/99'] } }, 'addressPolicy.allow[0]'],
    [{ addressPolicy: { allowPrivateNetworks: 1 } }, 'addressPolicy.allowPrivateNetworks'],
  ];

  it.each(badOptions)('rejects %j naming %s', (options, field) => {
    try {
      new HttpTransport(options as HttpTransportOptions);
      expect.unreachable('the options should be rejected');
    } catch (error) {
      expect(isCronhookError(error, 'ERR_INVALID_OPTION')).toBe(true);
      expect((error as { field?: string }).field).toBe(field);
      expect((error as Error).message).toContain(field);
    }
  });

  const badRequests: Array<[request: Partial<TransportRequest>, field: string]> = [
    [{ url: 'not a url' }, 'request.url'],
    [{ url: 'ftp://127.0.0.1/x' }, 'request.url'],
    [{ method: 'GET /x' }, 'request.method'],
    [{ timeoutMs: 0 }, 'request.timeoutMs'],
    [{ timeoutMs: 2 ** 31 }, 'request.timeoutMs'],
    [{ headers: { 'bad name': 'x' } }, 'request.headers'],
    [{ headers: { 'Authorization: Bearer s3cret': 'x' } }, 'request.headers'],
    [{ headers: { authorization: 'Bearer s3cret\r\nx: y' } }, 'request.headers.authorization'],
    [{ addressPolicy: { allow: ['*'] } }, 'request.addressPolicy.allow[0]'],
    [{ headers: { 'content-length': '99' }, body: 'abc' }, 'request'],
    [{ headers: { 'transfer-encoding': 'chunked' }, body: 'abc' }, 'request'],
  ];

  it.each(badRequests)('rejects request %j naming %s, sending nothing', async (request, field) => {
    const receiver = await server();
    const error = await rejection(transport().send({ url: receiver.url(), ...request }));
    expect(error).toMatchObject({ code: 'ERR_INVALID_OPTION', field });
    expect(error.message).not.toContain('s3cret');
    expect(receiver.requests).toHaveLength(0);
  });

  it('never puts the URL path or query in error messages (they may hold secrets)', async () => {
    const port = await closedPort();
    const error = await rejection(
      transport().send({ url: `http://127.0.0.1:${port}/services/T0/B0/s3cret?token=s3cret` }),
    );
    expect(error.code).toBe('ERR_CONNECTION');
    expect(error.message).toContain(`http://127.0.0.1:${port}`);
    expect(error.message).not.toContain('s3cret');
  });

  it('close() lets a request in flight finish before closing its connection', async () => {
    const receiver = await server(async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      res.end('late');
    });
    const http = new HttpTransport();
    const sent = http.send({ url: receiver.url() });
    while (receiver.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
    let closed = false;
    const closing = http.close().then(() => {
      closed = true;
    });
    const response = await sent;
    expect(response.body).toBe('late');
    await closing;
    expect(closed).toBe(true);
  });

  it('close() does not wait for a request that ended at its deadline while still connecting', async () => {
    const http = new HttpTransport({ connectTimeoutMs: 60_000, lookup: () => {} });
    const error = await rejection(http.send({ url: 'http://stuck.test/', timeoutMs: 50 }));
    expect(error.code).toBe('ERR_TIMEOUT');
    const before = performance.now();
    await http.close();
    expect(performance.now() - before).toBeLessThan(1_000);
  });

  it('refuses to send once closed', async () => {
    const receiver = await server();
    const http = new HttpTransport();
    expect((await http.send({ url: receiver.url() })).status).toBe(200);
    await http.close();
    expect((await rejection(http.send({ url: receiver.url() }))).code).toBe('ERR_STOPPED');
    expect(receiver.requests).toHaveLength(1);
  });
});
