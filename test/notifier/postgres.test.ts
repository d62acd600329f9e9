import { setTimeout as delay } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { MockTransport } from '../../src/testing/mock-transport.js';
import { verifyWebhook } from '../../src/verify/index.js';
import { createNotifierHarness } from '../helpers/notifier.js';
import { describePostgres, dropSchema, postgresUrl, uniqueSchema } from '../helpers/postgres.js';
import { useCleanups } from '../helpers/test-lifecycle.js';

const cleanups = useCleanups();

async function storageOn(schema: string): Promise<PostgresStorage> {
  const storage = new PostgresStorage({ connectionString: await postgresUrl(), schema, max: 4 });
  cleanups.push(() => storage.close());
  return storage;
}

/** Real database I/O with the notifiers' time on a FakeClock: advance it in small steps until done. */
async function until(clock: FakeClock, condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('until: condition not met in time');
    await clock.advance(100);
    await delay(5);
  }
}

describePostgres('WebhookNotifier on Postgres', () => {
  it('two instances on one database deliver every message exactly once between them', async () => {
    const schema = uniqueSchema('notifier');
    cleanups.push(() => dropSchema(schema));
    const clock = new FakeClock();
    const transport = new MockTransport([{ delayMs: 50 }], { clock });
    const a = createNotifierHarness({ clock, transport, storage: await storageOn(schema), instanceId: 'a' });
    const b = createNotifierHarness({ clock, transport, storage: await storageOn(schema), instanceId: 'b' });
    await a.notifier.start();
    await b.notifier.start();
    cleanups.push(
      () => a.notifier.stop(),
      () => b.notifier.stop(),
    );
    const { secret } = await a.notifier.addEndpoint({ url: 'https://a.example.com/' });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await (i % 2 ? a : b).notifier.publish('x.y', { i }));

    await until(
      clock,
      async () =>
        (await a.notifier.listDeliveries({ status: 'succeeded', limit: 100 })).deliveries.length === 20,
    );
    expect(transport.requests.map((r) => r.headers['webhook-id']).sort()).toEqual([...ids].sort());
    for (const request of transport.requests) {
      expect(
        verifyWebhook({ payload: request.body!, headers: request.headers, secret, now: clock.date() }),
      ).toBeTruthy();
    }
    const delivered = (await b.notifier.listDeliveries({ limit: 100 })).deliveries;
    expect(delivered.every((d) => d.attempts === 1)).toBe(true);
  });

  it('a retry stored by one instance is sent by another after a restart', async () => {
    const schema = uniqueSchema('notifier');
    cleanups.push(() => dropSchema(schema));
    const clock = new FakeClock();
    const transport = new MockTransport([{ status: 503 }, { status: 200 }], { clock });
    const first = createNotifierHarness({
      clock,
      transport,
      storage: await storageOn(schema),
      instanceId: 'first',
    });
    await first.notifier.start();
    await first.notifier.addEndpoint({ url: 'https://a.example.com/' });
    const messageId = await first.notifier.publish('x.y', {});
    await until(clock, async () => transport.requests.length === 1);
    await first.notifier.stop();

    const second = createNotifierHarness({
      clock,
      transport,
      storage: await storageOn(schema),
      instanceId: 'second',
    });
    await second.notifier.start();
    cleanups.push(() => second.notifier.stop());
    await until(
      clock,
      async () => (await second.notifier.listDeliveries({ status: 'succeeded' })).deliveries.length === 1,
    );
    expect(transport.requests.map((r) => r.headers['webhook-id'])).toEqual([messageId, messageId]);
  });
});
