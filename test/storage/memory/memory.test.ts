import { describe, expect, it } from 'vitest';
import type { Message } from '../../../src/notifier/types.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { testStorage } from '../../../src/testing/storage.js';
import { attempt, delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
import { fanoutMessage } from '../../helpers/storage.js';

testStorage('MemoryStorage', () => new MemoryStorage());

describe('MemoryStorage: fan-outs', () => {
  it("keeps the endpoint ids each insertFanout was given, whatever becomes of the caller's array", async () => {
    // Fan-outs to the endpoints of the fan-out before them share one kept list: a list changed by its caller,
    // or a fan-out to other endpoints, must not reach the fan-outs stored before.
    const storage = new MemoryStorage();
    for (const id of ['ep-a', 'ep-b', 'ep-c']) await storage.insertEndpoint(endpoint(id));
    const due = new Date('2026-01-01T00:00:00Z');
    const ids = ['ep-a', 'ep-b'];
    const first = fanoutMessage(due);
    await storage.insertFanout({ message: first, endpointIds: ids, nextAttemptAt: due });
    const second = fanoutMessage(due);
    await storage.insertFanout({ message: second, endpointIds: ids, nextAttemptAt: due });
    ids[1] = 'ep-c';
    const third = fanoutMessage(due);
    await storage.insertFanout({ message: third, endpointIds: ids, nextAttemptAt: due });
    ids.length = 0;
    const to = async (m: Message) =>
      (await storage.listDeliveries({ messageId: m.id, limit: 10 })).map((d) => d.endpointId).sort();
    expect(await to(first)).toEqual(['ep-a', 'ep-b']);
    expect(await to(second)).toEqual(['ep-a', 'ep-b']);
    expect(await to(third)).toEqual(['ep-a', 'ep-c']);
  });
});

describe('MemoryStorage: the delivery log', () => {
  it("keeps each attempt's response headers and start, whatever the caller or a reader does to the ones alike", async () => {
    // Attempts with the same response headers (names and values) or the same start share what is kept: one
    // changed by its caller, or a read's copy changed, must not reach another attempt.
    const storage = new MemoryStorage();
    await storage.insertEndpoint(endpoint('ep'));
    const ids = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'];
    await storage.insertMessage({
      message: message('m'),
      deliveries: ids.map((id) => delivery(id, 'm', 'ep')),
    });
    const headers: Record<string, string>[] = [
      { 'content-type': 'text/plain', 'retry-after': '120' },
      { 'content-type': 'text/plain', 'retry-after': '120' },
      { 'content-type': 'text/plain', 'retry-after': '60' },
      { 'content-type': 'text/plain' },
      { 'content-type': 'text/plain', 'retry-after': '60', date: 'Sun, 06 Dec 2026 14:00:00 GMT' },
      {},
    ];
    const made = ids.map((id, i) => attempt(`a-${id}`, id, { responseHeaders: headers[i]! }));
    const expected = structuredClone(made);
    for (const [i, id] of ids.entries())
      await storage.completeAttempt({
        delivery: delivery(id, 'm', 'ep', { attempts: 1 }),
        attempt: made[i]!,
      });
    made[0]!.responseHeaders['retry-after'] = 'changed';
    made[1]!.startedAt.setTime(1);
    made[3]!.responseHeaders.date = 'added';
    const [read] = await storage.listAttempts('d2');
    read!.responseHeaders['content-type'] = 'changed';
    read!.startedAt.setTime(2);
    for (const [i, id] of ids.entries()) expect(await storage.listAttempts(id)).toEqual([expected[i]]);
  });
});

describe('MemoryStorage: completeAttemptNow', () => {
  it('stores an outcome before it returns, as completeAttempt does, and throws what completeAttempt rejects with', async () => {
    const storage = new MemoryStorage();
    await storage.insertEndpoint(endpoint('ep'));
    await storage.insertMessage({ message: message('m'), deliveries: [delivery('d1', 'm', 'ep')] });
    const done = delivery('d1', 'm', 'ep', { status: 'succeeded', attempts: 1, nextAttemptAt: null });
    const failingSince = new Date('2026-01-01T00:00:00Z');
    storage.completeAttemptNow!({
      delivery: done,
      attempt: attempt('a1', 'd1', { statusCode: 200 }),
      endpoint: { id: 'ep', failingSince },
    });
    expect(await storage.getDelivery('d1')).toEqual(done);
    expect(await storage.listAttempts('d1')).toEqual([attempt('a1', 'd1', { statusCode: 200 })]);
    expect((await storage.getEndpoint('ep'))!.failingSince).toEqual(failingSince);
    const missing = { delivery: delivery('nope', 'm', 'ep'), attempt: attempt('a2', 'nope') };
    const rejected = await storage.completeAttempt(missing).catch((error: unknown) => error);
    expect(() => storage.completeAttemptNow!(missing)).toThrow(rejected as Error);
  });

  it('is absent from a subclass that overrides completeAttempt, so its outcomes go through the override', () => {
    class Wrapped extends MemoryStorage {
      override completeAttempt(input: Parameters<MemoryStorage['completeAttempt']>[0]): Promise<void> {
        return super.completeAttempt(input);
      }
    }
    expect(new Wrapped().completeAttemptNow).toBeUndefined();
    expect(new MemoryStorage().completeAttemptNow).toBeTypeOf('function');
  });
});
