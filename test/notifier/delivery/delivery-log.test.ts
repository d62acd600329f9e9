import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../../src/errors.js';
import { verifyWebhook } from '../../../src/verify/index.js';
import { createNotifierHarness, visibleText } from '../../helpers/notifier.js';

const URL_A = 'https://a.example.com/hooks';
const URL_B = 'https://b.example.com/hooks';

describe('delivery log', () => {
  it('lists deliveries newest first with filters and a cursor', async () => {
    const h = createNotifierHarness({ script: (r) => ({ status: r.url === URL_B ? 500 : 200 }) });
    const a = await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.addEndpoint({ url: URL_B, topics: ['order.*'] });
    await h.notifier.start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await h.notifier.publish(i % 2 === 0 ? 'order.created' : 'invoice.paid', { i }));
      await h.clock.advance(1_000);
    }
    const forA: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.notifier.listDeliveries({
        endpointId: a.endpoint.id,
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      expect(page.deliveries.length).toBeLessThanOrEqual(2);
      forA.push(...page.deliveries.map((d) => d.messageId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(forA).toEqual([...ids].reverse());

    const orders = await h.notifier.listDeliveries({ topic: 'order.created', endpointId: a.endpoint.id });
    expect(orders.deliveries.map((d) => d.messageId)).toEqual([ids[4], ids[2], ids[0]]);
    const pendingB = await h.notifier.listDeliveries({ status: 'pending' });
    expect(pendingB.deliveries.every((d) => d.endpointId !== a.endpoint.id)).toBe(true);
    expect(pendingB.deliveries).toHaveLength(3);
    const recent = await h.notifier.listDeliveries({ since: new Date('2026-01-01T00:00:03Z') });
    expect(recent.deliveries.map((d) => d.messageId)).toEqual([ids[4], ids[4], ids[3]]);
    expect(recent.deliveries.every((d) => !('lockedBy' in d))).toBe(true);
    const window = await h.notifier.listDeliveries({
      since: new Date('2026-01-01T00:00:01Z'),
      until: new Date('2026-01-01T00:00:03Z'),
    });
    expect(window.deliveries.map((d) => d.messageId)).toEqual([ids[2], ids[2], ids[1]]);
    await h.notifier.stop();
  });

  it('rejects a bad query with the field named', async () => {
    const h = createNotifierHarness();
    for (const [query, field] of [
      [{ limit: 0 }, 'limit'],
      [{ status: 'done' }, 'status'],
      [{ since: new Date('nope') }, 'since'],
      [{ until: '2026-01-01' }, 'until'],
      [{ cursor: '!!' }, 'cursor'],
    ] as const) {
      const error = await h.notifier.listDeliveries(query as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CronhookError);
      expect((error as CronhookError).field).toBe(field);
    }
  });

  it('getDelivery returns the message and every attempt; null for an unknown id', async () => {
    const h = createNotifierHarness({
      script: [
        { status: 503, headers: { 'retry-after': '1', 'x-other': 'dropped' }, body: 'busy' },
        { status: 204 },
      ],
    });
    await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    const messageId = await h.notifier.publish('x.y', { a: 1 });
    await h.clock.advance('10s');
    const [delivery] = (await h.notifier.listDeliveries()).deliveries;
    const details = await h.notifier.getDelivery(delivery!.id);
    expect(details!.message).toMatchObject({ id: messageId, topic: 'x.y' });
    expect(JSON.parse(details!.message.body)).toMatchObject({ data: { a: 1 } });
    expect(details!.attemptLog).toHaveLength(2);
    const [first, second] = details!.attemptLog;
    expect(first).toMatchObject({
      attempt: 1,
      statusCode: 503,
      responseSnippet: 'busy',
      responseHeaders: { 'retry-after': '1' },
      startedAt: new Date('2026-01-01T00:00:00Z'),
    });
    expect(first!.responseHeaders['x-other']).toBeUndefined();
    expect(typeof first!.durationMs).toBe('number');
    expect(second).toMatchObject({ attempt: 2, statusCode: 204, error: null });
    expect(await h.notifier.getDelivery('dlv_nope')).toBeNull();
    await h.notifier.stop();
  });
});

describe('ping, redeliver and replay', () => {
  it('ping sends a signed webhook.ping at once and resolves with the attempt, without retrying', async () => {
    const h = createNotifierHarness({ script: [{ status: 200 }, { status: 500 }] });
    const { endpoint, secret } = await h.notifier.addEndpoint({
      url: URL_A,
      topics: ['job.execution.failed'],
    });
    const ok = await h.notifier.ping(endpoint.id);
    expect(ok).toMatchObject({ statusCode: 200, error: null, trigger: 'ping', attempt: 1 });
    const request = h.transport.requests[0]!;
    expect(
      verifyWebhook({ payload: request.body!, headers: request.headers, secret, now: h.clock.date() }),
    ).toMatchObject({
      type: 'webhook.ping',
      data: { endpointId: endpoint.id },
    });

    const failed = await h.notifier.ping(endpoint.id);
    expect(failed).toMatchObject({ statusCode: 500, error: { code: 'ERR_HTTP_STATUS' } });
    await h.notifier.start();
    await h.clock.advance('1d');
    expect(h.transport.requests).toHaveLength(2);
    const pings = await h.notifier.listDeliveries({ topic: 'webhook.ping' });
    expect(pings.deliveries.map((d) => d.status).sort()).toEqual(['failed', 'succeeded']);
    await expect(h.notifier.ping('ep_nope')).rejects.toMatchObject({ code: 'ERR_ENDPOINT_NOT_FOUND' });
    await h.notifier.stop();
  });

  it('ping reaches a disabled endpoint (test before re-enabling) without enabling it', async () => {
    const h = createNotifierHarness();
    const { endpoint } = await h.notifier.addEndpoint({ url: URL_A, enabled: false });
    expect(await h.notifier.ping(endpoint.id)).toMatchObject({ statusCode: 200 });
    expect((await h.notifier.getEndpoint(endpoint.id))!.enabled).toBe(false);
  });

  it('redeliver sends a delivered message again with the same webhook-id and a new attempt', async () => {
    const h = createNotifierHarness();
    await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    const messageId = await h.notifier.publish('x.y', {});
    await h.settle();
    const [delivery] = (await h.notifier.listDeliveries()).deliveries;
    await h.clock.advance('1h');
    const attempt = await h.notifier.redeliver(delivery!.id);
    expect(attempt).toMatchObject({ attempt: 2, trigger: 'redeliver', statusCode: 200 });
    expect(h.transport.requests.map((r) => r.headers['webhook-id'])).toEqual([messageId, messageId]);
    const timestamps = h.transport.requests.map((r) => Number(r.headers['webhook-timestamp']));
    expect(timestamps[1]! - timestamps[0]!).toBe(3600);
    expect((await h.notifier.getDelivery(delivery!.id))!.attemptLog).toHaveLength(2);
    await expect(h.notifier.redeliver('dlv_nope')).rejects.toMatchObject({ code: 'ERR_DELIVERY_NOT_FOUND' });
    await h.notifier.stop();
  });

  it('a failed redeliver of a pending delivery keeps its scheduled retry', async () => {
    const h = createNotifierHarness({ script: [{ status: 500 }], retrySchedule: ['1h'] });
    await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.settle();
    const [delivery] = (await h.notifier.listDeliveries()).deliveries;
    await h.notifier.redeliver(delivery!.id);
    expect(await h.notifier.getDelivery(delivery!.id)).toMatchObject({
      status: 'pending',
      attempts: 2,
      nextAttemptAt: delivery!.nextAttemptAt,
    });
    await h.notifier.stop();
  });

  it('replay puts the failed deliveries of a period back, each getting one more attempt', async () => {
    let up = false;
    const h = createNotifierHarness({
      script: (r) => ({ status: up || r.url === URL_B ? 200 : 503 }),
      retrySchedule: ['1m'],
    });
    const a = await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.addEndpoint({ url: URL_B });
    await h.notifier.start();
    await h.notifier.publish('x.y', { n: 'old' });
    await h.clock.advance('1h');
    const since = h.clock.date();
    for (const n of [1, 2]) await h.notifier.publish('x.y', { n });
    await h.clock.advance('1h');
    expect((await h.notifier.listDeliveries({ status: 'failed' })).deliveries).toHaveLength(3);

    up = true;
    const sentBefore = h.transport.requests.length;
    expect(await h.notifier.replay({ endpointId: a.endpoint.id, since })).toBe(2);
    await h.settle();
    const replayed = h.transport.requests.slice(sentBefore);
    expect(replayed.map((r) => JSON.parse(r.body!).data.n).sort()).toEqual([1, 2]);
    const failed = await h.notifier.listDeliveries({ status: 'failed' });
    expect(failed.deliveries).toHaveLength(1);
    const succeeded = await h.notifier.listDeliveries({ status: 'succeeded', endpointId: a.endpoint.id });
    const log = (await h.notifier.getDelivery(succeeded.deliveries[0]!.id))!.attemptLog;
    expect(log.map((x) => x.trigger)).toEqual(['auto', 'auto', 'replay']);
    await expect(h.notifier.replay({ since: new Date('x') })).rejects.toMatchObject({ field: 'since' });
    await h.notifier.stop();
  });
});

describe('secrets stay secret', () => {
  it('never appear in results, events, errors or logger output', async () => {
    const authorization = 'Bearer auth-value-0123456789';
    const headerValue = 'header-secret-0123456789';
    const h = createNotifierHarness({
      script: [{ status: 500, body: 'nope' }, { error: 'ERR_CONNECTION' }, { status: 410 }],
      retrySchedule: ['1s', '1s', '1s'],
    });
    const { endpoint, secret } = await h.notifier.addEndpoint({
      url: URL_A,
      authorization,
      headers: { 'x-api-key': headerValue },
    });
    const { secret: rotated } = await h.notifier.rotateSecret(endpoint.id);
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.clock.advance('1m');
    const [delivery] = (await h.notifier.listDeliveries()).deliveries;
    const results = [
      await h.notifier.listEndpoints(),
      await h.notifier.getEndpoint(endpoint.id),
      await h.notifier.listDeliveries(),
      await h.notifier.getDelivery(delivery!.id),
      await h.notifier.ping(endpoint.id),
      await h.notifier.updateEndpoint(endpoint.id, { description: 'x' }),
    ];
    const errors = [
      await h.notifier.addEndpoint({ url: URL_A, secret: `${secret}x` }).catch((e: unknown) => e),
      await h.notifier
        .updateEndpoint(endpoint.id, { authorization: `${authorization}\n` })
        .catch((e: unknown) => e),
    ];
    expect(h.of('delivery.retrying').length).toBeGreaterThan(0);
    expect(h.of('endpoint.disabled')).toHaveLength(1);
    expect(h.logs.length).toBeGreaterThan(0);
    const text = visibleText(results, h.events, h.logs, errors);
    for (const value of [secret.slice(6), rotated.slice(6), 'auth-value-0123456789', headerValue]) {
      expect(text).not.toContain(value);
    }
  });
});
