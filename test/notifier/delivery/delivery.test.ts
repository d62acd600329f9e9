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
  it("stores an outcome through storage's completeAttemptNow when it has one, and awaits completeAttempt when not", async () => {
    for (const now of [true, false]) {
      const storage = new MemoryStorage();
      const calls: string[] = [];
      const { completeAttempt, completeAttemptNow } = storage;
      Object.assign(storage, {
        completeAttempt: (input: Parameters<Storage['completeAttempt']>[0]) => {
          calls.push('completeAttempt');
          return completeAttempt.call(storage, input);
        },
        completeAttemptNow: now
          ? (input: Parameters<Storage['completeAttempt']>[0]) => {
              calls.push('completeAttemptNow');
              completeAttemptNow!(input);
            }
          : undefined,
      });
      const h = createNotifierHarness({ storage });
      await h.notifier.addEndpoint({ url: URL_A });
      await h.notifier.publish('x.y', {});
      await h.notifier.start();
      await h.settle();
      expect(h.of('delivery.succeeded')).toHaveLength(1);
      expect(calls).toEqual([now ? 'completeAttemptNow' : 'completeAttempt']);
      await h.notifier.stop();
    }
  });

  it("stamps a delivery event's dates with their own instants, whether the answer comes at once or later", async () => {
    // at and delivery.updatedAt: when the outcome came; attempt.startedAt and delivery.lastAttemptAt: when the
    // request started. The stored delivery says the same.
    const h = createNotifierHarness({ script: [{}, { delayMs: 5 }, { status: 500, delayMs: 7 }] });
    const { endpoint } = await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    const start = h.clock.now();
    const stamps = async (publishedAt: number, answeredAt: number, type: 'succeeded' | 'retrying') => {
      const e = h.events.at(-1)!;
      expect(e.type).toBe(`delivery.${type}`);
      if (e.type !== 'delivery.succeeded' && e.type !== 'delivery.retrying') throw new Error(e.type);
      expect([e.at, e.delivery.updatedAt].map((d) => d.getTime())).toEqual([answeredAt, answeredAt]);
      expect([e.attempt.startedAt, e.delivery.lastAttemptAt].map((d) => d?.getTime())).toEqual([
        publishedAt,
        publishedAt,
      ]);
      const stored = (await h.notifier.getDelivery(e.delivery.id))!;
      expect([stored.updatedAt.getTime(), stored.lastAttemptAt?.getTime()]).toEqual([
        answeredAt,
        publishedAt,
      ]);
    };
    await h.notifier.publish('order.created', { n: 1 });
    await h.settle();
    await stamps(start, start, 'succeeded');
    await h.notifier.publish('order.created', { n: 2 });
    await h.settle();
    await h.clock.advance(5);
    await h.settle();
    await stamps(start, start + 5, 'succeeded');
    await h.notifier.publish('order.created', { n: 3 });
    await h.settle();
    await h.clock.advance(7);
    await h.settle();
    await stamps(start + 5, start + 12, 'retrying');
    expect(h.of('delivery.succeeded').map((e) => e.endpoint.id)).toEqual([endpoint.id, endpoint.id]);
    await h.notifier.stop();
  });
});
