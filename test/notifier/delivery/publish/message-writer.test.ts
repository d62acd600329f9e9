import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../../src/storage/memory/index.js';
import { createNotifierHarness } from '../../../helpers/notifier.js';

/** A MemoryStorage without `peekEndpoints`, as the SQL adapters are: publish lists the endpoints. */
function listingStorage(): MemoryStorage {
  const storage = new MemoryStorage();
  (storage as { peekEndpoints?: unknown }).peekEndpoints = undefined;
  return storage;
}

/** A listing storage that counts `listEndpoints` calls. */
function countingStorage() {
  const storage = listingStorage();
  const list = storage.listEndpoints.bind(storage);
  const calls = { listEndpoints: 0 };
  storage.listEndpoints = (options) => {
    calls.listEndpoints++;
    return list(options);
  };
  return { storage, calls };
}

describe('publish: the endpoints a message goes to', () => {
  it('lists the endpoints once for events published together, each matched by its own topic', async () => {
    const { storage, calls } = countingStorage();
    const h = createNotifierHarness({ storage });
    const invoices = await h.notifier.addEndpoint({ url: 'https://a.example.com/', topics: ['invoice.*'] });
    const orders = await h.notifier.addEndpoint({ url: 'https://b.example.com/', topics: ['order.*'] });
    calls.listEndpoints = 0;
    // As a scheduler emits the events of a batch of runs: all called before any listing is made.
    await Promise.all([
      h.notifier.publish('invoice.paid', { n: 1 }),
      h.notifier.publish('order.created', { n: 2 }),
      h.notifier.publish('invoice.paid', { n: 3 }),
    ]);
    expect(calls.listEndpoints).toBe(1);
    const to = async (id: string) =>
      (await h.notifier.listDeliveries({ endpointId: id })).deliveries.map((d) => d.topic);
    expect(await to(invoices.endpoint.id)).toEqual(['invoice.paid', 'invoice.paid']);
    expect(await to(orders.endpoint.id)).toEqual(['order.created']);
  });

  it('reaches an endpoint stored before the publish was called, while an earlier listing is in flight', async () => {
    const storage = listingStorage();
    const h = createNotifierHarness({ storage });
    await h.notifier.addEndpoint({ url: 'https://a.example.com/' });
    // The first listing is taken, then held in flight until the test lets it return.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let taken = () => {};
    const listed = new Promise<void>((resolve) => {
      taken = resolve;
    });
    const list = storage.listEndpoints.bind(storage);
    storage.listEndpoints = async (options) => {
      const page = await list(options);
      storage.listEndpoints = list;
      taken();
      await held;
      return page;
    };
    const first = h.notifier.publish('x.y', { n: 1 });
    await listed;
    const { endpoint: late } = await h.notifier.addEndpoint({ url: 'https://late.example.com/' });
    const second = h.notifier.publish('x.y', { n: 2 });
    release();
    const [, secondId] = await Promise.all([first, second]);
    const { deliveries } = await h.notifier.listDeliveries({ endpointId: late.id });
    // The first listing was taken before the endpoint existed; the second publish did not share it.
    expect(deliveries.map((d) => d.messageId)).toEqual([secondId]);
  });

  it('pages through every endpoint: all 501 get a delivery', async () => {
    const { storage, calls } = countingStorage();
    const h = createNotifierHarness({ storage });
    for (let i = 0; i < 501; i++) await h.notifier.addEndpoint({ url: `https://e${i}.example.com/` });
    calls.listEndpoints = 0;
    const messageId = await h.notifier.publish('x.y', {});
    expect(calls.listEndpoints).toBe(2);
    const deliveries = await h.storage.listDeliveries({ messageId, limit: 1000 });
    expect(new Set(deliveries.map((d) => d.endpointId)).size).toBe(501);
  });

  it("matches against the in-process storage's own records (peekEndpoints), listing nothing, and sees every write", async () => {
    const storage = new MemoryStorage();
    let listed = 0;
    const list = storage.listEndpoints.bind(storage);
    storage.listEndpoints = (options) => {
      listed++;
      return list(options);
    };
    const h = createNotifierHarness({ storage });
    const invoices = await h.notifier.addEndpoint({ url: 'https://a.example.com/', topics: ['invoice.*'] });
    const first = await h.notifier.publish('invoice.paid', { n: 1 });
    const orders = await h.notifier.addEndpoint({ url: 'https://b.example.com/', topics: ['order.*'] });
    await h.notifier.updateEndpoint(invoices.endpoint.id, { topics: ['order.*'] });
    const second = await h.notifier.publish('order.created', { n: 2 });
    expect(await h.storage.listDeliveries({ messageId: second })).toHaveLength(2);
    await h.notifier.removeEndpoint(orders.endpoint.id);
    const third = await h.notifier.publish('order.created', { n: 3 });
    expect(listed).toBe(0);
    const to = async (id: string) =>
      (await h.notifier.listDeliveries({ endpointId: id })).deliveries.map((d) => d.messageId).sort();
    expect(await to(invoices.endpoint.id)).toEqual([first, second, third].sort());
    expect(await h.storage.listDeliveries({ messageId: third })).toHaveLength(1);
  });

  it('publishing one topic again and again reaches the endpoints that want it after each endpoint write', async () => {
    // The endpoints a topic matched are kept between publishes while no endpoint is written.
    const h = createNotifierHarness({ storage: new MemoryStorage() });
    const reached = async () => {
      const id = await h.notifier.publish('invoice.paid', {});
      const deliveries = await h.storage.listDeliveries({ messageId: id, limit: 100 });
      return deliveries.map((d) => d.endpointId).sort();
    };
    const add = async (url: string, topics?: string[]) =>
      (await h.notifier.addEndpoint({ url, ...(topics ? { topics } : {}) })).endpoint.id;
    const a = await add('https://a.example.com/', ['invoice.*']);
    const b = await add('https://b.example.com/', ['order.*']);
    expect(await reached()).toEqual([a]);
    expect(await reached()).toEqual([a]);
    const c = await add('https://c.example.com/');
    expect(await reached()).toEqual([a, c].sort());
    await h.notifier.updateEndpoint(b, { topics: ['invoice.paid'] });
    expect(await reached()).toEqual([a, b, c].sort());
    await h.notifier.updateEndpoint(a, { enabled: false });
    expect(await reached()).toEqual([b, c].sort());
    await h.notifier.removeEndpoint(c);
    expect(await reached()).toEqual([b]);
    // Other topics, and job events, are matched on their own.
    const order = await h.notifier.publish('order.created', {});
    expect(await h.storage.listDeliveries({ messageId: order })).toHaveLength(0);
    expect(await reached()).toEqual([b]);
  });
});
