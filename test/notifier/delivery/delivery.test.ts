import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import type { Storage } from '../../../src/storage/types.js';
import { verifyWebhook } from '../../../src/verify/index.js';
import { createNotifierHarness } from '../../helpers/notifier.js';
import { withoutMethods } from '../../helpers/storage.js';

const URL_A = 'https://a.example.com/hooks';
const URL_B = 'https://b.example.com/hooks';

describe('WebhookNotifier delivery', () => {
  it('stores the message before any attempt and sends it once the dispatcher runs', async () => {
    const h = createNotifierHarness();
    const { endpoint } = await h.notifier.addEndpoint({ url: URL_A, topics: ['invoice.*'] });
    const messageId = await h.notifier.publish('invoice.paid', { invoiceId: 'inv_1' });
    await h.settle();
    expect(h.transport.requests).toHaveLength(0);
    const { deliveries } = await h.notifier.listDeliveries({ endpointId: endpoint.id });
    expect(deliveries).toMatchObject([{ messageId, status: 'pending', attempts: 0 }]);

    await h.notifier.start();
    await h.settle();
    expect(h.transport.requests).toHaveLength(1);
    const request = h.transport.requests[0]!;
    expect(request.url).toBe(URL_A);
    expect(request.method).toBe('POST');
    expect(request.headers['webhook-id']).toBe(messageId);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toMatch(/^cronhook\/\d+\.\d+\.\d+/);
    expect(JSON.parse(request.body!)).toEqual({
      type: 'invoice.paid',
      timestamp: '2026-01-01T00:00:00.000Z',
      data: { invoiceId: 'inv_1' },
    });
    expect((await h.notifier.getDelivery(deliveries[0]!.id))?.status).toBe('succeeded');
    expect(h.of('delivery.succeeded')).toHaveLength(1);
    await h.notifier.stop();
  });

  it("reads each attempt's endpoint with storage.getDeliveryEndpoint when the storage has it", async () => {
    const memory = new MemoryStorage();
    const reads: string[] = [];
    // As a storage shared with other processes (no peekEndpoints) whose claims keep their endpoint rows:
    // here the kept row is told apart by its url.
    const storage: Storage = Object.assign(withoutMethods(memory, 'peekEndpoints'), {
      getDeliveryEndpoint: async (id: string) => {
        reads.push(id);
        const stored = await memory.getEndpoint(id);
        return stored && { ...stored, url: URL_B };
      },
    });
    const h = createNotifierHarness({ storage });
    const { endpoint } = await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    await h.notifier.publish('order.created', { id: 1 });
    await h.settle();
    expect(h.transport.requests.map((r) => r.url)).toEqual([URL_B]);
    expect(reads).toEqual([endpoint.id]);
    expect((await h.notifier.getEndpoint(endpoint.id))?.url).toBe(URL_A);
    await h.notifier.stop();
  });

  it('signs each attempt so the independent standardwebhooks package verifies it', async () => {
    const h = createNotifierHarness();
    const { secret } = await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    await h.notifier.publish('order.created', { id: 1 });
    await h.settle();
    const request = h.transport.requests[0]!;
    expect(request.headers['webhook-timestamp']).toBe(String(Math.floor(h.clock.now() / 1000)));
    expect(request.headers['x-hub-signature-256']).toBeUndefined();
    expect(
      verifyWebhook({ payload: request.body!, headers: request.headers, secret, now: h.clock.date() }),
    ).toMatchObject({ type: 'order.created' });
    // standardwebhooks checks the timestamp against the real time, so this attempt happens at the real time.
    await h.clock.set(Date.now());
    await h.notifier.publish('order.created', { id: 2 });
    await h.settle();
    const second = h.transport.requests[1]!;
    const wh = new Webhook(secret);
    expect(wh.verify(second.body!, second.headers as Record<string, string>)).toMatchObject({
      data: { id: 2 },
    });
    await h.notifier.stop();
  });

  it('retries 503, 503 then 200 on the retry schedule: one message, one webhook-id, three attempts', async () => {
    const h = createNotifierHarness({ script: [{ status: 503 }, { status: 503 }, { status: 200 }] });
    const { endpoint } = await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    const messageId = await h.notifier.publish('thing.happened', {});
    await h.settle();
    expect(h.transport.requests).toHaveLength(1);

    await h.clock.advance(4_999);
    expect(h.transport.requests).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.transport.requests).toHaveLength(2);
    expect(h.transport.requests[1]!.at - h.transport.requests[0]!.at).toBe(5_000);

    await h.clock.advance(5 * 60_000 - 1);
    expect(h.transport.requests).toHaveLength(2);
    await h.clock.advance(1);
    expect(h.transport.requests).toHaveLength(3);

    expect(new Set(h.transport.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([messageId]));
    expect(new Set(h.transport.requests.map((r) => r.body)).size).toBe(1);
    const timestamps = h.transport.requests.map((r) => Number(r.headers['webhook-timestamp']));
    expect(timestamps[1]! - timestamps[0]!).toBe(5);

    const { deliveries } = await h.notifier.listDeliveries({ endpointId: endpoint.id });
    expect(deliveries).toHaveLength(1);
    const details = await h.notifier.getDelivery(deliveries[0]!.id);
    expect(details).toMatchObject({ status: 'succeeded', attempts: 3, lastStatusCode: 200, lastError: null });
    expect(
      details!.attemptLog.map((a) => [a.attempt, a.statusCode, a.error?.code ?? null, a.trigger]),
    ).toEqual([
      [1, 503, 'ERR_HTTP_STATUS', 'auto'],
      [2, 503, 'ERR_HTTP_STATUS', 'auto'],
      [3, 200, null, 'auto'],
    ]);
    expect(h.of('delivery.retrying').map((e) => e.attempt.attempt)).toEqual([1, 2]);
    expect(h.of('delivery.succeeded')).toHaveLength(1);
    // Nothing more is sent: the one timer left is the hourly delivery-log retention pass.
    expect(h.clock.pendingTimers).toBe(1);
    await h.clock.advance('1d');
    expect(h.transport.requests).toHaveLength(3);
    await h.notifier.stop();
  });

  it('spreads retry delays by the configured jitter', async () => {
    const h = createNotifierHarness({ script: [{ status: 500 }], retryJitter: 0.2, retrySchedule: [10_000] });
    await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.settle();
    const [delivery] = (await h.notifier.listDeliveries()).deliveries;
    const delay = delivery!.nextAttemptAt!.getTime() - h.clock.now();
    expect(delay).toBeGreaterThanOrEqual(8_000);
    expect(delay).toBeLessThanOrEqual(12_000);
    await h.notifier.stop();
  });

  it('honours Retry-After in seconds when it is longer than the scheduled delay', async () => {
    const h = createNotifierHarness({
      script: [{ status: 429, headers: { 'retry-after': '120' } }, { status: 200 }],
    });
    await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.settle();
    await h.clock.advance(119_999);
    expect(h.transport.requests).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.transport.requests).toHaveLength(2);
    const [delivery] = (await h.notifier.listDeliveries()).deliveries;
    const log = (await h.notifier.getDelivery(delivery!.id))!.attemptLog;
    expect(log[0]!.responseHeaders['retry-after']).toBe('120');
    await h.notifier.stop();
  });

  it('honours Retry-After as an HTTP date, and keeps the scheduled delay when Retry-After is shorter', async () => {
    const h = createNotifierHarness({
      start: '2026-01-01T00:00:00Z',
      script: [
        { status: 503, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:10:00 GMT' } },
        { status: 503, headers: { 'retry-after': '1' } },
        { status: 200 },
      ],
      retrySchedule: ['5s', '1m'],
    });
    await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.settle();
    await h.clock.advance('9m');
    expect(h.transport.requests).toHaveLength(1);
    await h.clock.advance('1m');
    expect(h.transport.requests).toHaveLength(2);
    expect(new Date(h.transport.requests[1]!.at).toISOString()).toBe('2026-01-01T00:10:00.000Z');
    await h.clock.advance(59_999);
    expect(h.transport.requests).toHaveLength(2);
    await h.clock.advance(1);
    expect(h.transport.requests).toHaveLength(3);
    await h.notifier.stop();
  });

  it('caps Retry-After at maxRetryAfterMs', async () => {
    const h = createNotifierHarness({
      script: [{ status: 503, headers: { 'retry-after': '86400' } }, { status: 200 }],
      maxRetryAfterMs: 600_000,
    });
    await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.settle();
    await h.clock.advance(599_999);
    expect(h.transport.requests).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.transport.requests).toHaveLength(2);
    await h.notifier.stop();
  });

  it('marks a delivery failed and emits delivery.failed once the retry schedule is spent', async () => {
    const h = createNotifierHarness({ script: [{ status: 500, body: 'boom' }], retrySchedule: ['1s', '2s'] });
    await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.clock.advance('1h');
    expect(h.transport.requests).toHaveLength(3);
    const failed = h.of('delivery.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.delivery).toMatchObject({
      status: 'failed',
      attempts: 3,
      nextAttemptAt: null,
      lastStatusCode: 500,
    });
    expect(failed[0]!.attempt.responseSnippet).toBe('boom');
    expect((await h.notifier.listDeliveries({ status: 'failed' })).deliveries).toHaveLength(1);
    await h.notifier.stop();
  });

  it('treats a redirect as a failure and a transport error as a failed attempt with its code', async () => {
    const h = createNotifierHarness({
      script: [
        { status: 301, headers: { location: 'https://elsewhere.example/' } },
        { error: 'ERR_TIMEOUT' },
        {},
      ],
      retrySchedule: ['1s', '1s'],
    });
    await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.clock.advance('10s');
    const [delivery] = (await h.notifier.listDeliveries()).deliveries;
    const log = (await h.notifier.getDelivery(delivery!.id))!.attemptLog;
    expect(log.map((a) => [a.statusCode, a.error?.code ?? null])).toEqual([
      [301, 'ERR_HTTP_STATUS'],
      [null, 'ERR_TIMEOUT'],
      [200, null],
    ]);
    expect(log[0]!.error!.message).toMatch(/redirects are not followed/);
    expect(log[0]!.responseHeaders.location).toBe('https://elsewhere.example/');
    expect(h.transport.requests.map((r) => r.url)).toEqual([URL_A, URL_A, URL_A]);
    await h.notifier.stop();
  });

  it('keeps a response snippet of at most 4 KB', async () => {
    const h = createNotifierHarness({ script: [{ status: 200, body: 'x'.repeat(10_000) }] });
    await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.settle();
    const [delivery] = (await h.notifier.listDeliveries()).deliveries;
    const [attempt] = (await h.notifier.getDelivery(delivery!.id))!.attemptLog;
    expect(attempt!.responseSnippet).toHaveLength(4096);
    await h.notifier.stop();
  });

  it('sends the attempt timeout and a strict address policy with each request', async () => {
    const seen: unknown[] = [];
    const h = createNotifierHarness({ attemptTimeoutMs: 7_000, allow: ['10.1.0.0/16'] });
    const send = h.transport.send.bind(h.transport);
    h.transport.send = (request, options) => {
      seen.push(request.addressPolicy);
      return send(request, options);
    };
    await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.settle();
    expect(h.transport.requests[0]!.timeoutMs).toBe(7_000);
    expect(seen).toEqual([{ allowPrivateNetworks: false, allow: ['10.1.0.0/16'] }]);
    await h.notifier.stop();
  });

  it('fans one message out to every matching endpoint, each with its own delivery', async () => {
    const h = createNotifierHarness();
    const a = await h.notifier.addEndpoint({ url: URL_A, topics: ['*'] });
    const b = await h.notifier.addEndpoint({ url: URL_B, topics: ['order.created'] });
    await h.notifier.addEndpoint({ url: 'https://c.example.com/', topics: ['invoice.*'] });
    await h.notifier.start();
    const messageId = await h.notifier.publish('order.created', {});
    await h.settle();
    expect(h.transport.requests.map((r) => r.url).sort()).toEqual([URL_A, URL_B]);
    const signatures = h.transport.requests.map((r) => r.headers['webhook-signature']);
    expect(signatures[0]).not.toBe(signatures[1]);
    for (const request of h.transport.requests) {
      const secret = request.url === URL_A ? a.secret : b.secret;
      expect(
        verifyWebhook({ payload: request.body!, headers: request.headers, secret, now: h.clock.date() }),
      ).toBeTruthy();
      expect(request.headers['webhook-id']).toBe(messageId);
    }
    await h.notifier.stop();
  });

  it('stores nothing and sends nothing when no endpoint matches', async () => {
    const h = createNotifierHarness();
    await h.notifier.addEndpoint({ url: URL_A, topics: ['invoice.paid'] });
    await h.notifier.start();
    const id = await h.notifier.publish('order.created', {});
    await h.settle();
    expect(id).toMatch(/^msg_/);
    expect(h.transport.requests).toHaveLength(0);
    expect((await h.notifier.listDeliveries()).deliveries).toEqual([]);
    await h.notifier.stop();
  });

  it('sends the authorization and extra headers, its own headers winning on a clash', async () => {
    const h = createNotifierHarness();
    await h.notifier.addEndpoint({
      url: URL_A,
      authorization: 'Bearer tok_secret_123',
      headers: { 'X-Tenant': 'acme', 'Content-Type': 'text/plain', 'Webhook-Id': 'spoofed' },
    });
    await h.notifier.start();
    const id = await h.notifier.publish('x.y', {});
    await h.settle();
    const headers = h.transport.requests[0]!.headers;
    expect(headers.authorization).toBe('Bearer tok_secret_123');
    expect(headers['x-tenant']).toBe('acme');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['webhook-id']).toBe(id);
    await h.notifier.stop();
  });

  it('survives a storage failure in the dispatcher: an error event and log line, then it carries on', async () => {
    const h = createNotifierHarness({ pollIntervalMs: 1_000 });
    const claim = h.storage.claimDeliveries.bind(h.storage);
    let failures = 1;
    h.storage.claimDeliveries = async (options) => {
      if (failures-- > 0) throw new Error('database is locked');
      return claim(options);
    };
    await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.publish('x.y', {});
    await h.notifier.start();
    await h.settle();
    expect(h.transport.requests).toHaveLength(0);
    expect(h.of('error')).toHaveLength(1);
    expect(h.logs.filter((l) => l.level === 'error').map((l) => l.data?.error)).toEqual([
      'database is locked',
    ]);
    await h.clock.advance(1_000);
    expect(h.transport.requests).toHaveLength(1);
    await h.notifier.stop();
  });
});
