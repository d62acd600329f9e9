import { describe, expect, it } from 'vitest';
import { createNotifierHarness } from '../../helpers/notifier.js';

// A failed attempt, and what comes after it: the retry schedule and its jitter, Retry-After, and giving up.
// The delay arithmetic alone: retry-policy.test.ts; the first attempt and what it sends: delivery.test.ts.

const URL_A = 'https://a.example.com/hooks';

describe('WebhookNotifier delivery retries', () => {
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
});
