/**
 * Receivers that misbehave, over real loopback HTTP. Each must cost one attempt, within its timeout, and
 * end in a clear error code. Timeout cases wait in real time, kept to a few hundred milliseconds.
 */
import type { LookupFunction } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { isCronhookError } from '../../src/errors.js';
import { closedPort } from '../helpers/http-server.js';
import { useHttpFixtures } from '../helpers/transport-fixtures.js';

const { server, transport } = useHttpFixtures();

/**
 * Runs `send`, expects a CronhookError, and returns its code and how long the failure took. Pass a function
 * when the time is checked against a lower bound: the clock then starts before the transport's deadline does.
 */
async function failure(
  send: Promise<unknown> | (() => Promise<unknown>),
): Promise<{ code: string; message: string; ms: number }> {
  const started = performance.now();
  try {
    await (typeof send === 'function' ? send() : send);
  } catch (error) {
    if (!isCronhookError(error)) throw error;
    return { code: error.code, message: error.message, ms: performance.now() - started };
  }
  throw new Error('expected the request to fail');
}

describe('HttpTransport: timeouts', () => {
  it('fails with ERR_TIMEOUT when the receiver never answers', async () => {
    const receiver = await server(() => {});
    const result = await failure(() => transport().send({ url: receiver.url(), timeoutMs: 300 }));
    expect(result.code).toBe('ERR_TIMEOUT');
    expect(result.message).toContain('300 ms');
    expect(result.ms).toBeGreaterThanOrEqual(290);
    expect(result.ms).toBeLessThan(2_000);
    // One request was sent. On a loaded machine the timeout can fire before this process's server side has
    // read it (it then reads it from the socket): wait for it rather than expect it already there.
    await vi.waitFor(() => expect(receiver.requests).toHaveLength(1), { timeout: 10_000 });
  });

  it('times out a body that keeps trickling: the timeout is total, not idle', async () => {
    // A byte every 100 ms never leaves the connection idle for long, yet the attempt ends at 400 ms.
    const receiver = await server((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'), 100);
      res.on('close', () => clearInterval(timer));
    });
    const result = await failure(() => transport().send({ url: receiver.url(), timeoutMs: 400 }));
    expect(result.code).toBe('ERR_TIMEOUT');
    expect(result.ms).toBeGreaterThanOrEqual(390);
    expect(result.ms).toBeLessThan(2_000);
  });

  it('fails with ERR_TIMEOUT when connecting takes longer than connectTimeoutMs', async () => {
    // A resolver that never answers keeps the connection from opening; no packet leaves the machine.
    const stuck: LookupFunction = () => {};
    const result = await failure(
      transport({ connectTimeoutMs: 200, lookup: stuck }).send({
        url: 'http://stuck.test/',
        timeoutMs: 10_000,
      }),
    );
    expect(result.code).toBe('ERR_TIMEOUT');
    expect(result.message).toContain('connectTimeoutMs');
    // undici checks connect timeouts on a coarse timer; well under the 10 s total timeout is what counts.
    expect(result.ms).toBeLessThan(3_000);
  });

  it('ends at timeoutMs while still connecting: the deadline covers the connect phase', async () => {
    // The resolver never answers and connectTimeoutMs is far away: only the request's deadline can end it.
    const stuck: LookupFunction = () => {};
    const result = await failure(() =>
      transport({ connectTimeoutMs: 60_000, lookup: stuck }).send({
        url: 'http://stuck.test/',
        timeoutMs: 300,
      }),
    );
    expect(result.code).toBe('ERR_TIMEOUT');
    expect(result.message).toContain('timed out after 300 ms');
    expect(result.ms).toBeGreaterThanOrEqual(290);
    expect(result.ms).toBeLessThan(2_000);
  });
});

describe('HttpTransport: connection failures', () => {
  it('fails with ERR_CONNECTION when the connection is refused', async () => {
    const port = await closedPort();
    expect((await failure(transport().send({ url: `http://127.0.0.1:${port}/` }))).code).toBe(
      'ERR_CONNECTION',
    );
  });

  it('fails with ERR_CONNECTION when the receiver closes before sending headers', async () => {
    const receiver = await server((req) => {
      req.socket.destroy();
    });
    expect((await failure(transport().send({ url: receiver.url() }))).code).toBe('ERR_CONNECTION');
  });

  it('fails with ERR_CONNECTION when the receiver resets the connection mid-response', async () => {
    const receiver = await server((req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial', () => req.socket.resetAndDestroy());
    });
    expect((await failure(transport().send({ url: receiver.url() }))).code).toBe('ERR_CONNECTION');
  });

  it('fails with ERR_CONNECTION when the body stops short of its content-length', async () => {
    const receiver = await server((req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial', () => req.socket.destroy());
    });
    expect((await failure(transport().send({ url: receiver.url() }))).code).toBe('ERR_CONNECTION');
  });

  it.each([
    ['garbage instead of a status line', 'NOT HTTP AT ALL\r\n\r\n'],
    ['a malformed status line', 'HTTP/1.1 two hundred OK\r\n\r\n'],
    ['a malformed header', 'HTTP/1.1 200 OK\r\nbad header line\r\n\r\n'],
  ])('fails with ERR_INVALID_RESPONSE on %s', async (_name, raw) => {
    const receiver = await server((req) => {
      req.socket.end(raw);
    });
    expect((await failure(transport().send({ url: receiver.url() }))).code).toBe('ERR_INVALID_RESPONSE');
  });

  it('fails with ERR_DNS when the host does not resolve', async () => {
    const notFound: LookupFunction = (hostname, _options, callback) => {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '');
    };
    const result = await failure(transport({ lookup: notFound }).send({ url: 'http://nowhere.test/' }));
    expect(result.code).toBe('ERR_DNS');
    expect(result.message).toContain('nowhere.test');
  });
});

describe('HttpTransport: abort', () => {
  it('fails with ERR_ABORTED when the signal aborts while waiting for the receiver', async () => {
    const receiver = await server(() => {});
    const controller = new AbortController();
    const send = transport().send({ url: receiver.url(), timeoutMs: 10_000 }, { signal: controller.signal });
    while (receiver.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const result = await failure(send);
    expect(result.code).toBe('ERR_ABORTED');
    expect(result.ms).toBeLessThan(1_000);
  });

  it('fails with ERR_ABORTED as soon as the signal aborts, even while still connecting', async () => {
    const stuck: LookupFunction = () => {};
    const controller = new AbortController();
    const send = transport({ connectTimeoutMs: 60_000, lookup: stuck }).send(
      { url: 'http://stuck.test/', timeoutMs: 60_000 },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 100);
    const result = await failure(send);
    expect(result.code).toBe('ERR_ABORTED');
    expect(result.ms).toBeLessThan(2_000);
  });

  it('fails with ERR_ABORTED at once, sending nothing, when the signal is already aborted', async () => {
    const receiver = await server();
    const result = await failure(transport().send({ url: receiver.url() }, { signal: AbortSignal.abort() }));
    expect(result.code).toBe('ERR_ABORTED');
    expect(receiver.requests).toHaveLength(0);
  });

  it('fails with ERR_ABORTED when the signal aborts right after the send, before its watch began', async () => {
    const receiver = await server(() => {});
    const controller = new AbortController();
    const send = transport().send({ url: receiver.url(), timeoutMs: 10_000 }, { signal: controller.signal });
    controller.abort();
    const result = await failure(send);
    expect(result.code).toBe('ERR_ABORTED');
    expect(result.ms).toBeLessThan(1_000);
  });

  it('watches the signal of a request still pending after a moment, and leaves no listener behind', async () => {
    const receiver = await server((req, res) => {
      const delayMs = req.url === '/slow' ? 50 : 0;
      setTimeout(() => res.end('ok'), delayMs);
    });
    const listeners = { added: 0, removed: 0 };
    const signal = new AbortController().signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...args: Parameters<typeof add>) => {
      listeners.added++;
      add(...args);
    };
    signal.removeEventListener = (...args: Parameters<typeof remove>) => {
      listeners.removed++;
      remove(...args);
    };
    const http = transport();
    for (let i = 0; i < 5; i++)
      expect((await http.send({ url: receiver.url() }, { signal })).body).toBe('ok');
    const before = listeners.added;
    const slow = await http.send({ url: `${receiver.url().replace(/\/$/, '')}/slow` }, { signal });
    expect(slow.body).toBe('ok');
    expect(listeners.added).toBe(before + 1);
    expect(listeners.removed).toBe(listeners.added);
  });

  it('is not disturbed by an abort after the response arrived', async () => {
    const receiver = await server((_req, res) => {
      res.end('done');
    });
    const controller = new AbortController();
    const response = await transport().send({ url: receiver.url() }, { signal: controller.signal });
    controller.abort();
    expect(response.body).toBe('done');
  });
});
