import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/verify/index.js';
import { startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { createHttpNotifierHarness, type createNotifierHarness } from '../helpers/notifier.js';
import { until, useCleanups } from '../helpers/test-lifecycle.js';

// Real HTTP over loopback: the notifier's own time runs on a FakeClock (retry timing), while requests are
// real, so the tests wait for real I/O with `until`.

const cleanup = useCleanups();

async function server(handler?: Parameters<typeof startHttpServer>[0]): Promise<TestHttpServer> {
  const s = await startHttpServer(handler);
  cleanup.push(() => s.close());
  return s;
}

// The harness's clock starts at the real time: standardwebhooks checks the timestamp against the real clock.
const harness = (options: Parameters<typeof createNotifierHarness>[0] = {}) =>
  createHttpNotifierHarness(cleanup, options);

describe('WebhookNotifier over real HTTP', () => {
  it('delivers a signed webhook that the receiver verifies from the raw body, with both libraries', async () => {
    let verified: unknown = null;
    let independent: unknown = null;
    let secret = '';
    const s = await server((req, res, body) => {
      verified = verifyWebhook({ payload: body, headers: req.headers, secret });
      independent = new Webhook(secret).verify(body, req.headers as Record<string, string>);
      res.writeHead(204).end();
    });
    const h = harness();
    secret = (await h.notifier.addEndpoint({ url: s.url('/hooks?tenant=1'), authorization: 'Bearer t0k' }))
      .secret;
    await h.notifier.start();
    const messageId = await h.notifier.publish('invoice.paid', { amount: 12.5, note: 'ünïcødé' });
    await until(() => s.requests.length === 1 && verified !== null);
    const request = s.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks?tenant=1');
    expect(request.headers).toMatchObject({
      'webhook-id': messageId,
      'content-type': 'application/json',
      authorization: 'Bearer t0k',
    });
    expect(request.headers['user-agent']).toMatch(/^cronhook\//);
    expect(verified).toMatchObject({ type: 'invoice.paid', data: { amount: 12.5, note: 'ünïcødé' } });
    expect(independent).toEqual(verified);
    await until(
      async () => (await h.notifier.listDeliveries({ status: 'succeeded' })).deliveries.length === 1,
    );
  });

  it('retries 503, 503, 200 on the retry schedule: three requests with one webhook-id', async () => {
    const statuses = [503, 503, 200];
    const s = await server((_req, res) => {
      res.writeHead(statuses.shift() ?? 200).end('answer');
    });
    const h = harness();
    const { endpoint } = await h.notifier.addEndpoint({ url: s.url('/hook') });
    await h.notifier.start();
    const messageId = await h.notifier.publish('x.y', {});
    const attempts = async () =>
      (await h.notifier.listDeliveries({ endpointId: endpoint.id })).deliveries[0]?.attempts ?? 0;
    await until(async () => (await attempts()) === 1);
    await h.clock.advance(4_999);
    expect(s.requests).toHaveLength(1);
    await h.clock.advance(1);
    await until(async () => (await attempts()) === 2);
    await h.clock.advance('5m');
    await until(async () => (await attempts()) === 3);
    expect(s.requests.map((r) => r.headers['webhook-id'])).toEqual([messageId, messageId, messageId]);
    const [delivery] = (await h.notifier.listDeliveries()).deliveries;
    const details = await h.notifier.getDelivery(delivery!.id);
    expect(details).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(details!.attemptLog.map((a) => a.statusCode)).toEqual([503, 503, 200]);
    expect(details!.attemptLog[0]!.responseSnippet).toBe('answer');
  });

  it('honours a real Retry-After header', async () => {
    const statuses = [429, 200];
    const s = await server((_req, res) => {
      res.writeHead(statuses.shift() ?? 200, { 'retry-after': '90' }).end();
    });
    const h = harness();
    await h.notifier.addEndpoint({ url: s.url('/') });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await until(async () => (await h.notifier.listDeliveries()).deliveries[0]?.attempts === 1);
    const [delivery] = (await h.notifier.listDeliveries()).deliveries;
    expect(delivery!.nextAttemptAt!.getTime() - h.clock.now()).toBe(90_000);
  });

  it('disables the endpoint on a real 410 Gone', async () => {
    const s = await server((_req, res) => {
      res.writeHead(410).end();
    });
    const h = harness();
    const { endpoint } = await h.notifier.addEndpoint({ url: s.url('/') });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await until(() => h.of('endpoint.disabled').length === 1);
    expect(await h.notifier.getEndpoint(endpoint.id)).toMatchObject({
      enabled: false,
      disabledReason: 'gone',
    });
  });

  it('does not follow redirects', async () => {
    const s = await server((req, res) => {
      if (req.url === '/moved') res.writeHead(302, { location: '/elsewhere' }).end();
      else res.writeHead(200).end();
    });
    const h = harness();
    await h.notifier.addEndpoint({ url: s.url('/moved') });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await until(async () => (await h.notifier.listDeliveries()).deliveries[0]?.attempts === 1);
    const [delivery] = (await h.notifier.listDeliveries()).deliveries;
    expect(delivery).toMatchObject({
      status: 'pending',
      lastStatusCode: 302,
      lastError: { code: 'ERR_HTTP_STATUS' },
    });
    expect(s.requests.map((r) => r.path)).toEqual(['/moved']);
  });

  it('refuses loopback by default with ERR_DESTINATION_BLOCKED, saying how to allow it', async () => {
    const s = await server();
    const h = harness({ allowPrivateNetworks: false });
    const { endpoint } = await h.notifier.addEndpoint({ url: s.url('/') });
    const attempt = await h.notifier.ping(endpoint.id);
    expect(attempt.error?.code).toBe('ERR_DESTINATION_BLOCKED');
    expect(attempt.error?.message).toMatch(/allowPrivateNetworks/);
    expect(s.requests).toHaveLength(0);
  });

  it('reaches an address on the allow list even with private networks refused', async () => {
    const s = await server();
    const h = harness({ allowPrivateNetworks: false, allow: ['127.0.0.1'] });
    const { endpoint } = await h.notifier.addEndpoint({ url: s.url('/') });
    expect(await h.notifier.ping(endpoint.id)).toMatchObject({ statusCode: 200, error: null });
    expect(s.requests).toHaveLength(1);
  });

  it('a receiver that never answers costs one attempt ending in ERR_TIMEOUT', async () => {
    const s = await server(() => {
      // never answers
    });
    const h = harness({ attemptTimeoutMs: 200 });
    const { endpoint } = await h.notifier.addEndpoint({ url: s.url('/') });
    const started = Date.now();
    const attempt = await h.notifier.ping(endpoint.id);
    expect(attempt.error?.code).toBe('ERR_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('a connection reset or garbage answer is a failed attempt with a clear code', async () => {
    const s = await server((req) => {
      if (req.url === '/reset') req.socket.resetAndDestroy();
      else req.socket.end('garbage\r\n\r\n');
    });
    const h = harness();
    const reset = await h.notifier.addEndpoint({ url: s.url('/reset') });
    const garbage = await h.notifier.addEndpoint({ url: s.url('/garbage') });
    expect((await h.notifier.ping(reset.endpoint.id)).error?.code).toBe('ERR_CONNECTION');
    expect((await h.notifier.ping(garbage.endpoint.id)).error?.code).toMatch(
      /^ERR_(INVALID_RESPONSE|CONNECTION)$/,
    );
  });

  it('keeps at most 4 KB of a large response body in the log', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('y'.repeat(200_000));
    });
    const h = harness();
    const { endpoint } = await h.notifier.addEndpoint({ url: s.url('/') });
    const attempt = await h.notifier.ping(endpoint.id);
    expect(attempt.statusCode).toBe(200);
    expect(attempt.responseSnippet).toHaveLength(4096);
    expect(attempt.responseHeaders['content-type']).toBe('text/plain');
  });
});
