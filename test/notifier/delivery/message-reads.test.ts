import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import type { Storage } from '../../../src/storage/types.js';
import { createNotifierHarness } from '../../helpers/notifier.js';

const URLS = ['https://a.example.com/in', 'https://b.example.com/in', 'https://c.example.com/in'];

/** MemoryStorage whose getMessage calls are counted; `answer` may replace what a call returns. */
function countingStorage(answer?: (call: number, read: () => Promise<unknown>) => Promise<unknown>) {
  const memory = new MemoryStorage();
  const reads: string[] = [];
  const storage = new Proxy(memory, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key !== 'getMessage') return typeof value === 'function' ? value.bind(target) : value;
      return (id: string) => {
        reads.push(id);
        const read = () => target.getMessage(id);
        return answer ? answer(reads.length, read) : read();
      };
    },
  }) as Storage;
  return { storage, reads };
}

describe('WebhookNotifier message reads', () => {
  it("reads a fanned-out message once for its deliveries' attempts, which all send it", async () => {
    const { storage, reads } = countingStorage();
    const h = createNotifierHarness({ storage });
    for (const url of URLS) await h.notifier.addEndpoint({ url });
    const first = await h.notifier.publish('order.created', { id: 1 });
    const second = await h.notifier.publish('order.created', { id: 2 });
    await h.notifier.start();
    await h.settle();
    expect(h.of('delivery.succeeded')).toHaveLength(6);
    expect(reads).toEqual([first, second]);
    const sent = h.transport.requests.map((r) => [
      r.url,
      r.headers['webhook-id'],
      JSON.parse(r.body!).data.id,
    ]);
    expect(sent).toEqual([...URLS.map((url) => [url, first, 1]), ...URLS.map((url) => [url, second, 2])]);
    await h.notifier.stop();
  });

  it('reads the message again after a read that found nothing or failed', async () => {
    // The first read finds nothing and the second fails: the attempts they served are retried, and read it.
    const { storage, reads } = countingStorage(async (call, read) => {
      if (call === 1) return null;
      if (call === 2) throw new Error('storage hiccup');
      return read();
    });
    const h = createNotifierHarness({ storage });
    for (const url of URLS.slice(0, 2)) await h.notifier.addEndpoint({ url });
    await h.notifier.start();
    await h.notifier.publish('order.created', { id: 1 });
    await h.settle();
    expect(h.of('delivery.retrying').map((e) => e.attempt.error?.code)).toEqual([
      'ERR_STORAGE',
      'ERR_STORAGE',
    ]);
    expect(h.transport.requests).toHaveLength(0);
    await h.clock.advance(600_000);
    await h.settle();
    expect(h.of('error').length).toBeGreaterThan(0);
    await h.clock.advance(600_000);
    await h.settle();
    expect(h.of('delivery.succeeded')).toHaveLength(2);
    expect(h.transport.requests).toHaveLength(2);
    expect(reads.length).toBe(3);
    await h.notifier.stop();
  });
});
