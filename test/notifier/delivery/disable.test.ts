import { describe, expect, it, vi } from 'vitest';
import { WebhookNotifier } from '../../../src/notifier/webhook-notifier.js';
import { describeEachStorage } from '../../helpers/each-storage.js';
import { createNotifierHarness } from '../../helpers/notifier.js';

const URL_A = 'https://a.example.com/hooks';
const URL_B = 'https://b.example.com/hooks';
const DAY = 86_400_000;

describe('disabling endpoints', () => {
  it('disables an endpoint at once on 410 Gone, with an event; its delivery waits for re-enabling', async () => {
    const h = createNotifierHarness({ script: [{ status: 410 }, { status: 200 }] });
    const { endpoint } = await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.settle();
    const disabled = h.of('endpoint.disabled');
    expect(disabled).toHaveLength(1);
    expect(disabled[0]).toMatchObject({ reason: 'gone', endpoint: { id: endpoint.id, enabled: false } });
    expect(await h.notifier.getEndpoint(endpoint.id)).toMatchObject({
      enabled: false,
      disabledReason: 'gone',
    });

    // The retry falls due but is not sent while the endpoint is disabled, nor is a new message queued for it.
    await h.clock.advance('1d');
    await h.notifier.publish('x.y', {});
    await h.clock.advance('1h');
    expect(h.transport.requests).toHaveLength(1);
    expect((await h.notifier.listDeliveries()).deliveries).toHaveLength(1);

    await h.notifier.enableEndpoint(endpoint.id);
    await h.settle();
    expect(h.transport.requests).toHaveLength(2);
    const [delivery] = (await h.notifier.listDeliveries()).deliveries;
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await h.notifier.getEndpoint(endpoint.id)).toMatchObject({
      enabled: true,
      disabledReason: null,
      failingSince: null,
    });
    await h.notifier.stop();
  });

  it('emits endpoint.disabled to its listener when nobody listens to delivery events', async () => {
    const h = createNotifierHarness({ script: [{ status: 410 }] });
    const { endpoint } = await h.notifier.addEndpoint({ url: URL_A });
    const notifier = new WebhookNotifier({
      storage: h.storage,
      transport: h.transport,
      clock: h.clock,
      retryJitter: 0,
    });
    const seen: string[] = [];
    notifier.on('endpoint.disabled', (e) => void seen.push(`${e.endpoint.id} ${e.reason}`));
    await notifier.start();
    await notifier.publish('x.y', {});
    await h.settle();
    expect(seen).toEqual([`${endpoint.id} gone`]);
    await notifier.stop();
  });

  it('disables an endpoint failing for disableAfterMs; deliveries wait and are sent once it is enabled', async () => {
    let up = false;
    const h = createNotifierHarness({
      script: (request) => ({ status: up || request.url === URL_B ? 200 : 500 }),
      retrySchedule: ['1h', '1h', '1h', '1h', '1h', '1h', '1h', '1h'],
      disableAfterMs: 2 * DAY,
    });
    const { endpoint } = await h.notifier.addEndpoint({ url: URL_A });
    const healthy = await h.notifier.addEndpoint({ url: URL_B });
    await h.notifier.start();
    // A new message every 12 hours keeps the endpoint failing past the retry schedule of each one.
    for (let i = 0; i < 4; i++) {
      await h.notifier.publish('x.y', { i });
      await h.clock.advance('12h');
    }
    expect(h.of('endpoint.disabled')).toHaveLength(0);
    expect((await h.notifier.getEndpoint(endpoint.id))!.failingSince).toEqual(
      new Date('2026-01-01T00:00:00Z'),
    );
    // 48 h after the first failure, the next failed attempt disables it.
    await h.notifier.publish('x.y', { i: 4 });
    await h.settle();
    const disabled = h.of('endpoint.disabled');
    expect(disabled).toHaveLength(1);
    expect(disabled[0]).toMatchObject({ reason: 'failing', endpoint: { id: endpoint.id, enabled: false } });
    expect(disabled[0]!.at).toEqual(new Date('2026-01-03T00:00:00Z'));
    expect((await h.notifier.getEndpoint(healthy.endpoint.id))!.enabled).toBe(true);

    // While disabled: no attempts, but new messages still queue for it.
    const sent = h.transport.requestsTo(URL_A).length;
    await h.notifier.publish('x.y', { i: 5 });
    await h.clock.advance('2d');
    expect(h.transport.requestsTo(URL_A)).toHaveLength(sent);
    const waiting = await h.notifier.listDeliveries({ endpointId: endpoint.id, status: 'pending' });
    expect(waiting.deliveries.length).toBeGreaterThan(0);

    up = true;
    await h.notifier.enableEndpoint(endpoint.id);
    await h.settle();
    expect(
      (await h.notifier.listDeliveries({ endpointId: endpoint.id, status: 'pending' })).deliveries,
    ).toEqual([]);
    const bodies = h.transport
      .requestsTo(URL_A)
      .slice(sent)
      .map((r) => JSON.parse(r.body!).data.i);
    expect(bodies).toContain(5);
    await h.notifier.stop();
  });

  it('a success clears the failing streak, so intermittent failures never disable', async () => {
    let n = 0;
    const h = createNotifierHarness({
      script: () => ({ status: n++ % 2 === 0 ? 500 : 200 }),
      disableAfterMs: 60_000,
      retrySchedule: ['2m'],
    });
    const { endpoint } = await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    for (let i = 0; i < 5; i++) {
      await h.notifier.publish('x.y', {});
      await h.clock.advance('5m');
    }
    expect(h.of('endpoint.disabled')).toEqual([]);
    expect(await h.notifier.getEndpoint(endpoint.id)).toMatchObject({ enabled: true, failingSince: null });
    await h.notifier.stop();
  });

  it('updateEndpoint({ enabled: false }) pauses: nothing is queued or sent until enabled', async () => {
    const h = createNotifierHarness();
    const { endpoint } = await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    const paused = await h.notifier.updateEndpoint(endpoint.id, { enabled: false });
    expect(paused).toMatchObject({ enabled: false, disabledReason: 'manual' });
    await h.notifier.publish('x.y', {});
    await h.settle();
    expect(h.transport.requests).toHaveLength(0);
    expect(await h.notifier.updateEndpoint(endpoint.id, { enabled: true })).toMatchObject({ enabled: true });
    await h.notifier.publish('x.y', {});
    await h.settle();
    expect(h.transport.requests).toHaveLength(1);
    await h.notifier.stop();
  });
});

describeEachStorage('endpoint.disabled carries the endpoint as stored', (open) => {
  it('with a change written during the request in the same millisecond', async () => {
    // The change stamps the endpoint 1 ms past the copy the attempt read, and the outcome 1 ms past the change
    // (outcomeStamp): the event says what was stored, not the outcome over the copy read before the change.
    let id = '';
    let notifier: WebhookNotifier | undefined;
    const h = createNotifierHarness({
      storage: await open(),
      script: async () => {
        await notifier!.updateEndpoint(id, { description: 'changed meanwhile' });
        return { status: 410 };
      },
    });
    notifier = h.notifier;
    const { endpoint } = await h.notifier.addEndpoint({ url: URL_A });
    id = endpoint.id;
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    // Real storage I/O on a shared machine. (Its Postgres case also hung when a publish's wake came during a
    // claim that missed it: the dispatcher then waited for the poll interval, which a fake clock never reaches.)
    await vi.waitFor(() => expect(h.of('endpoint.disabled')).toHaveLength(1), { timeout: 10_000 });
    await h.notifier.stop();
    const stored = (await h.notifier.getEndpoint(endpoint.id))!;
    expect(stored).toMatchObject({ enabled: false, description: 'changed meanwhile' });
    expect(stored.updatedAt.getTime()).toBe(endpoint.updatedAt.getTime() + 2);
    const [event] = h.of('endpoint.disabled');
    expect(event!.endpoint).toEqual(stored);
    expect(h.of('delivery.retrying')[0]!.endpoint).toEqual(stored);
  });
});
