import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpTransport } from '../../../../src/transport/http.js';
import type { SendOptions, TransportRequest, TransportResponse } from '../../../../src/transport/types.js';
import { verifyWebhook } from '../../../../src/verify/index.js';
import { VERSION } from '../../../../src/version.js';
import { startHttpServer, type TestHttpServer } from '../../../helpers/http-server.js';
import { createHttpNotifierHarness, type createNotifierHarness } from '../../../helpers/notifier.js';
import { until, useCleanups } from '../../../helpers/test-lifecycle.js';

// An endpoint's webhook request is checked by the transport once per endpoint record (in-process storage,
// HttpTransport) and sent attempt after attempt with only its signed headers and body changed: what arrives
// must be what a request built and checked for each attempt would be.

const cleanup = useCleanups();

afterEach(() => {
  vi.restoreAllMocks();
});

async function server(): Promise<TestHttpServer> {
  const s = await startHttpServer();
  cleanup.push(() => s.close());
  return s;
}

// The harness's clock starts at the real time: verifyWebhook checks the timestamp against it.
const harness = (options: Parameters<typeof createNotifierHarness>[0] = {}, transport?: HttpTransport) =>
  createHttpNotifierHarness(cleanup, options, transport);

describe('webhook requests checked once per endpoint', () => {
  it("sends each attempt with its own message, id, timestamp and signature, and the endpoint's headers", async () => {
    const s = await server();
    const h = harness();
    const a = await h.notifier.addEndpoint({
      url: s.url('/a?tenant=1'),
      authorization: 'Bearer t0k',
      // Ours replace an endpoint header of the same name.
      headers: { 'X-Team': 'billing', 'webhook-id': 'not-ours' },
    });
    const b = await h.notifier.addEndpoint({ url: s.url('/b') });
    const secrets = new Map([
      ['/a?tenant=1', a.secret],
      ['/b', b.secret],
    ]);
    await h.notifier.start();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await h.notifier.publish('invoice.paid', { n: i }));
      await until(() => s.requests.length === 2 * (i + 1));
      await h.clock.advance(1_000);
    }
    expect(s.requests).toHaveLength(6);
    const seen = new Set<string>();
    for (const request of s.requests) {
      const secret = secrets.get(request.path)!;
      const body = verifyWebhook({ payload: request.body, headers: request.headers, secret }) as {
        data: { n: number };
      };
      const id = ids[body.data.n]!;
      expect(request.headers['webhook-id']).toBe(id);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['user-agent']).toBe(`cronhook/${VERSION}`);
      if (request.path === '/a?tenant=1') {
        expect(request.headers).toMatchObject({ authorization: 'Bearer t0k', 'x-team': 'billing' });
      } else {
        expect(request.headers.authorization).toBeUndefined();
      }
      seen.add(`${request.path} ${id} ${request.headers['webhook-timestamp']}`);
    }
    // Each message at its own second, to each endpoint.
    expect(seen.size).toBe(6);
    expect(new Set(s.requests.map((r) => r.headers['webhook-timestamp'])).size).toBe(3);
  });

  it("signs with both schemes when asked: the hub header is each body's HMAC", async () => {
    const s = await server();
    const h = harness({ signatureHeaders: 'both' });
    const { secret } = await h.notifier.addEndpoint({ url: s.url('/hook') });
    await h.notifier.start();
    await h.notifier.publish('a.b', { n: 1 });
    await h.notifier.publish('a.b', { n: 2 });
    await until(() => s.requests.length === 2);
    for (const request of s.requests) {
      verifyWebhook({ payload: request.body, headers: request.headers, secret });
      const hub = createHmac('sha256', secret).update(request.body).digest('hex');
      expect(request.headers['x-hub-signature-256']).toBe(`sha256=${hub}`);
    }
    expect(s.requests[0]!.body).not.toBe(s.requests[1]!.body);
  });

  it('signs with a rotated secret and sends to a changed URL from the next attempt on', async () => {
    const s = await server();
    const h = harness();
    const { endpoint, secret: first } = await h.notifier.addEndpoint({ url: s.url('/old') });
    await h.notifier.start();
    await h.notifier.publish('a.b', { n: 1 });
    await until(() => s.requests.length === 1);
    const { secret: second } = await h.notifier.rotateSecret(endpoint.id, { graceMs: 0 });
    await h.notifier.updateEndpoint(endpoint.id, { url: s.url('/new') });
    await h.notifier.publish('a.b', { n: 2 });
    await until(() => s.requests.length === 2);
    const [before, after] = s.requests;
    expect(before!.path).toBe('/old');
    verifyWebhook({ payload: before!.body, headers: before!.headers, secret: first });
    expect(after!.path).toBe('/new');
    verifyWebhook({ payload: after!.body, headers: after!.headers, secret: second });
    expect(() => verifyWebhook({ payload: after!.body, headers: after!.headers, secret: first })).toThrow();
  });

  it("checks an endpoint's request once: its attempts do not each go through send", async () => {
    const send = vi.spyOn(HttpTransport.prototype, 'send');
    const s = await server();
    const h = harness();
    await h.notifier.addEndpoint({ url: s.url('/hook') });
    await h.notifier.start();
    for (let i = 0; i < 3; i++) await h.notifier.publish('a.b', { i });
    await until(() => s.requests.length === 3);
    expect(send).not.toHaveBeenCalled();
  });

  it('gives a transport that overrides send every request, to change as it likes', async () => {
    const s = await server();
    const seen: string[] = [];
    class Tagging extends HttpTransport {
      override send(request: TransportRequest, options?: SendOptions): Promise<TransportResponse> {
        seen.push(request.headers?.['webhook-id'] ?? '');
        return super.send({ ...request, headers: { ...request.headers, 'x-tag': 'mine' } }, options);
      }
    }
    const h = harness({}, new Tagging());
    await h.notifier.addEndpoint({ url: s.url('/hook') });
    await h.notifier.start();
    const ids = [await h.notifier.publish('a.b', { n: 1 }), await h.notifier.publish('a.b', { n: 2 })];
    await until(() => s.requests.length === 2);
    expect(seen.sort()).toEqual([...ids].sort());
    expect(s.requests.map((r) => r.headers['x-tag'])).toEqual(['mine', 'mine']);
  });
});
