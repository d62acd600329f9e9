import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { MockTransport } from '../../../src/testing/mock-transport.js';
import type { Transport, TransportResponse } from '../../../src/transport/types.js';
import { createNotifierHarness, trackInFlight } from '../../helpers/notifier.js';

const SLOW = 'https://slow.example.com/hooks';
const FAST = 'https://fast.example.com/hooks';

describe('dispatcher concurrency', () => {
  it('keeps at most perEndpointConcurrency attempts in flight per endpoint, so others are not starved', async () => {
    const clock = new FakeClock();
    const transport = new MockTransport((r) => (r.url.startsWith(SLOW) ? { delayMs: 2_000 } : {}), {
      clock,
    });
    const counts = trackInFlight(transport);
    const h = createNotifierHarness({ clock, transport, concurrency: 5, perEndpointConcurrency: 2 });
    await h.notifier.addEndpoint({ url: SLOW, topics: ['slow.*'] });
    await h.notifier.addEndpoint({ url: FAST, topics: ['fast.*'] });
    await h.notifier.start();
    for (let i = 0; i < 6; i++) await h.notifier.publish('slow.event', { i });
    for (let i = 0; i < 3; i++) await h.notifier.publish('fast.event', { i });
    await h.settle();
    // The fast one got through although 6 slow deliveries were due first.
    expect(h.transport.requestsTo(FAST)).toHaveLength(3);
    // Not heard from yet, the slow one has one request in flight; once it answered (within slowAttemptMs),
    // its 2 slots and no more.
    expect(counts.inFlight.get('https://slow.example.com')).toBe(1);
    await h.clock.advance(2_000);
    expect(counts.inFlight.get('https://slow.example.com')).toBe(2);

    await h.clock.advance('1m');
    expect(h.transport.requestsTo(SLOW)).toHaveLength(6);
    expect(counts.peak.get('https://slow.example.com')).toBe(2);
    expect((await h.notifier.listDeliveries({ status: 'succeeded', limit: 100 })).deliveries).toHaveLength(9);
    await h.notifier.stop();
  });

  it('keeps at most `concurrency` attempts in flight overall', async () => {
    const clock = new FakeClock();
    const transport = new MockTransport([{ delayMs: 1_000 }], { clock });
    const h = createNotifierHarness({ clock, transport, concurrency: 3, perEndpointConcurrency: 10 });
    let inFlight = 0;
    let peak = 0;
    const send = transport.send.bind(transport);
    transport.send = async (request, options) => {
      peak = Math.max(peak, ++inFlight);
      try {
        return await send(request, options);
      } finally {
        inFlight--;
      }
    };
    for (let i = 0; i < 4; i++) await h.notifier.addEndpoint({ url: `https://e${i}.example.com/` });
    await h.notifier.start();
    for (let i = 0; i < 5; i++) await h.notifier.publish('x.y', { i });
    await h.settle();
    expect(inFlight).toBe(3);
    await h.clock.advance('30s');
    expect(peak).toBe(3);
    expect(transport.requests).toHaveLength(20);
    await h.notifier.stop();
  });

  it('two notifiers on one storage never send the same attempt twice', async () => {
    const clock = new FakeClock();
    const storage = new MemoryStorage();
    const transport = new MockTransport([{ delayMs: 100 }], { clock });
    const a = createNotifierHarness({ clock, storage, transport, instanceId: 'a' });
    const b = createNotifierHarness({ clock, storage, transport, instanceId: 'b' });
    await a.notifier.addEndpoint({ url: FAST });
    await a.notifier.start();
    await b.notifier.start();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      ids.push(await (i % 2 === 0 ? a : b).notifier.publish('x.y', { i }));
    }
    await clock.advance('10s');
    expect(transport.requests.map((r) => r.headers['webhook-id']).sort()).toEqual([...ids].sort());
    await a.notifier.stop();
    await b.notifier.stop();
  });

  it('stop() waits for attempts in flight and sends nothing afterwards; start() resumes', async () => {
    const clock = new FakeClock();
    const transport = new MockTransport([{ delayMs: 2_000 }], { clock });
    const h = createNotifierHarness({ clock, transport });
    await h.notifier.addEndpoint({ url: FAST });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.settle();
    let stopped = false;
    const stopping = h.notifier.stop().then(() => {
      stopped = true;
    });
    await h.settle();
    expect(stopped).toBe(false);
    await clock.advance(2_000);
    await stopping;
    expect((await h.notifier.listDeliveries()).deliveries[0]).toMatchObject({ status: 'succeeded' });

    await h.notifier.publish('x.y', {});
    await clock.advance('1m');
    expect(transport.requests).toHaveLength(1);
    await h.notifier.start();
    await clock.advance('3s');
    expect(transport.requests).toHaveLength(2);
    await h.notifier.stop();
  });

  it('stop({ timeoutMs }) aborts attempts that outlast it; they are retried after restart', async () => {
    const clock = new FakeClock();
    const transport = new MockTransport([{ delayMs: 60_000 }, {}], { clock });
    const h = createNotifierHarness({ clock, transport, attemptTimeoutMs: 120_000, retrySchedule: ['5s'] });
    await h.notifier.addEndpoint({ url: FAST });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.settle();
    const stopping = h.notifier.stop({ timeoutMs: 1_000 });
    await clock.advance(1_000);
    await stopping;
    const [delivery] = (await h.notifier.listDeliveries()).deliveries;
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastError: { code: 'ERR_ABORTED' } });
    await h.notifier.start();
    await clock.advance('5s');
    expect((await h.notifier.getDelivery(delivery!.id))!.status).toBe('succeeded');
    await h.notifier.stop();
  });

  it('a delivery claimed by an instance that died is sent by another once the lease expires', async () => {
    const clock = new FakeClock();
    const storage = new MemoryStorage();
    // The dying instance's request never completes, and its clock never moves again so none of its timers
    // fire: as good as a killed process.
    const hung = { send: () => new Promise<never>(() => {}) };
    const deadClock = new FakeClock(clock.now());
    const dead = createNotifierHarness({
      clock: deadClock,
      storage,
      transport: hung,
      instanceId: 'dead',
      leaseMs: 30_000,
    });
    const alive = createNotifierHarness({ clock, storage, instanceId: 'alive' });
    await dead.notifier.addEndpoint({ url: FAST });
    await dead.notifier.start();
    const messageId = await dead.notifier.publish('x.y', {});
    await dead.settle();
    await alive.notifier.start();
    await clock.advance(29_999);
    expect(alive.transport.requests).toHaveLength(0);
    await clock.advance(1);
    expect(alive.transport.requests.map((r) => r.headers['webhook-id'])).toEqual([messageId]);
    const [delivery] = (await alive.notifier.listDeliveries()).deliveries;
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 });
    await alive.notifier.stop();
  });

  it('does not start a second attempt of its own delivery when an attempt outlives the lease', async () => {
    const clock = new FakeClock();
    let release!: () => void;
    let sends = 0;
    const transport: Transport = {
      send: () => {
        sends++;
        return new Promise<TransportResponse>((resolve) => {
          release = () =>
            resolve({ status: 200, headers: {}, body: '', bodyTruncated: false, durationMs: 1 });
        });
      },
    };
    const h = createNotifierHarness({ clock, transport, leaseMs: 30_000, attemptTimeoutMs: 15_000 });
    await h.notifier.addEndpoint({ url: FAST });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.settle();
    await clock.advance('2m');
    expect(sends).toBe(1);
    release();
    await h.settle();
    expect((await h.notifier.listDeliveries()).deliveries[0]).toMatchObject({
      status: 'succeeded',
      attempts: 1,
    });
    await h.notifier.stop();
  });

  it('attempts that finish together free their slots together: one claim refills them all', async () => {
    const clock = new FakeClock();
    const storage = new MemoryStorage();
    const claims: number[] = [];
    const claim = storage.claimDeliveries.bind(storage);
    storage.claimDeliveries = async (options) => {
      const claimed = await claim(options);
      if (claimed.length > 0) claims.push(claimed.length);
      return claimed;
    };
    const pending: Array<() => void> = [];
    const transport: Transport = {
      send: () =>
        new Promise<TransportResponse>((resolve) => {
          pending.push(() =>
            resolve({ status: 200, headers: {}, body: '', bodyTruncated: false, durationMs: 1 }),
          );
        }),
    };
    // Without claiming ahead (see claim-ahead.test.ts), freed slots are refilled by claims.
    const h = createNotifierHarness({
      clock,
      storage,
      transport,
      concurrency: 4,
      perEndpointConcurrency: 4,
      prefetch: 0,
    });
    await h.notifier.addEndpoint({ url: FAST });
    await h.notifier.start();
    // A first delivery, answered: the endpoint is then known to answer promptly and may have 4 in flight.
    await h.notifier.publish('x.y', { first: true });
    await h.settle();
    pending.shift()!();
    await h.settle();
    for (let i = 0; i < 8; i++) await h.notifier.publish('x.y', { i });
    await h.settle();
    expect(pending).toHaveLength(4);
    const before = claims.length;
    // Each response in its own callback of one event-loop turn, as responses read from four sockets are.
    for (const respond of pending.splice(0)) setImmediate(respond);
    await h.settle();
    // The four freed slots were refilled at once, by a single claim of four.
    expect(pending).toHaveLength(4);
    expect(claims.slice(before)).toEqual([4]);
    for (const respond of pending.splice(0)) respond();
    await h.settle();
    expect(h.of('delivery.succeeded')).toHaveLength(9);
    await h.notifier.stop();
  });

  it("frees a request's slot once it is answered, while its result is stored; none starts while 32 × `concurrency` results wait", async () => {
    const clock = new FakeClock();
    // Results are stored only when the test lets them: a slow commit (an override, so no completeAttemptNow).
    const commits: Array<() => void> = [];
    class SlowCommits extends MemoryStorage {
      override completeAttempt(input: Parameters<MemoryStorage['completeAttempt']>[0]): Promise<void> {
        return new Promise<void>((resolve, reject) => {
          commits.push(() => void super.completeAttempt(input).then(resolve, reject));
        });
      }
    }
    const storage = new SlowCommits();
    // A first delivery, answered at once and stored: the endpoint is then known to answer promptly and may
    // have 2 in flight. Then the first request is answered after 100 ms, every later one after 1 s.
    const transport = new MockTransport([{}, { delayMs: 100 }, { delayMs: 1_000 }], { clock });
    const h = createNotifierHarness({ clock, storage, transport, concurrency: 2, perEndpointConcurrency: 2 });
    // Requests and successes after the first delivery.
    const sent = () => transport.requests.length - 1;
    const succeeded = () => h.of('delivery.succeeded').length - 1;
    await h.notifier.addEndpoint({ url: FAST });
    await h.notifier.start();
    await h.notifier.publish('x.y', { first: true });
    await h.settle();
    commits.shift()!();
    await h.settle();
    for (let i = 0; i < 80; i++) await h.notifier.publish('x.y', { i });
    await h.settle();
    expect(sent()).toBe(2);

    // The first answer frees its slot at once, although its result is not stored yet: a third request goes.
    await clock.advance(100);
    expect(commits).toHaveLength(1);
    expect(sent()).toBe(3);
    // More answers: once 64 results (32 × concurrency) wait, no request starts, so a store that falls behind
    // slows sending instead of piling up results; short of that, requests keep going while it catches up.
    await clock.advance(60_000);
    const waiting = sent();
    expect(commits.length).toBeGreaterThanOrEqual(64);
    expect(waiting).toBeLessThan(80);
    // The requests in flight were answered meanwhile; no other started.
    await clock.advance(10_000);
    expect(sent()).toBe(waiting);
    expect(commits).toHaveLength(waiting);
    expect(succeeded()).toBe(0);

    let stopped = false;
    const stopping = h.notifier.stop().then(() => {
      stopped = true;
    });
    await h.settle();
    expect(stopped).toBe(false); // stop() waits for results still being stored
    for (const commit of commits.splice(0)) commit();
    await stopping;
    expect(succeeded()).toBe(waiting);

    await h.notifier.start();
    for (let i = 0; i < 160 && succeeded() < 80; i++) {
      await clock.advance(1_000);
      for (const commit of commits.splice(0)) commit();
      await h.settle();
    }
    expect(sent()).toBe(80);
    expect(succeeded()).toBe(80);
    await h.notifier.stop();
  });
});
