import { describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { MockTransport } from '../../src/testing/mock-transport.js';
import { verifyWebhook } from '../../src/verify/index.js';
import { createNotifierHarness } from '../helpers/notifier.js';
import { until, useTempDir } from '../helpers/test-lifecycle.js';

const temp = useTempDir('notifier-sqlite');

describe('WebhookNotifier on SQLite', () => {
  it('keeps the outbox across a restart: a new notifier on the same file sends what the old one left', async () => {
    const path = temp.file('cronhook.db');
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const transport = new MockTransport([{ status: 503 }, { status: 200 }], { clock });

    const first = createNotifierHarness({ clock, transport, storage: new SqliteStorage({ path }) });
    await first.notifier.start();
    const { secret } = await first.notifier.addEndpoint({
      url: 'https://a.example.com/',
      authorization: 'Bearer x',
    });
    const messageId = await first.notifier.publish('x.y', { n: 1 });
    // A claim returns once what it read is flushed, off the event loop: that takes real time, not clock time.
    await until(() => transport.requests.length >= 1);
    await first.settle();
    expect(transport.requests).toHaveLength(1);
    // The process "dies" with the retry pending.
    await first.notifier.stop();
    await first.storage.close?.();

    const second = createNotifierHarness({ clock, transport, storage: new SqliteStorage({ path }) });
    await second.notifier.start();
    // The retry falls due within 5 s of clock time; the claims around it take real time (see above).
    await clock.advance('5s');
    await until(async () => {
      if (transport.requests.length >= 2) return true;
      await clock.advance('1s');
      return false;
    });
    expect(transport.requests).toHaveLength(2);
    const request = transport.requests[1]!;
    expect(request.headers['webhook-id']).toBe(messageId);
    expect(request.headers.authorization).toBe('Bearer x');
    expect(
      verifyWebhook({ payload: request.body!, headers: request.headers, secret, now: clock.date() }),
    ).toMatchObject({
      data: { n: 1 },
    });
    const [delivery] = (await second.notifier.listDeliveries()).deliveries;
    // The outcome is committed once the WAL flush covering it returns (off the event loop), after the request.
    await until(async () => (await second.notifier.getDelivery(delivery!.id))?.status === 'succeeded');
    const details = await second.notifier.getDelivery(delivery!.id);
    expect(details!.attemptLog.map((a) => a.statusCode)).toEqual([503, 200]);
    expect(details).toMatchObject({ status: 'succeeded', attempts: 2 });
    await second.notifier.stop();
    await second.storage.close?.();
  });

  it('rotation and disabling persist', async () => {
    const path = temp.file('cronhook.db');
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const h = createNotifierHarness({
      clock,
      script: [{ status: 410 }],
      storage: new SqliteStorage({ path }),
    });
    await h.notifier.start();
    const { endpoint, secret } = await h.notifier.addEndpoint({ url: 'https://a.example.com/' });
    const { secret: rotated } = await h.notifier.rotateSecret(endpoint.id, { graceMs: 60_000 });
    await h.notifier.publish('x.y', {});
    // The claim, and the outcome that disables the endpoint, take real time (flushes; the write thread).
    await until(async () => (await h.notifier.getEndpoint(endpoint.id))?.enabled === false);
    const request = h.transport.requests[0]!;
    for (const s of [secret, rotated]) {
      expect(
        verifyWebhook({ payload: request.body!, headers: request.headers, secret: s, now: clock.date() }),
      ).toBeTruthy();
    }
    expect(await h.notifier.getEndpoint(endpoint.id)).toMatchObject({
      enabled: false,
      disabledReason: 'gone',
    });
    await h.notifier.stop();
    await h.storage.close?.();
  });
});
