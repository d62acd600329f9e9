import { describe, expect, it } from 'vitest';
import type { Message } from '../../../src/notifier/types.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { testStorage } from '../../../src/testing/storage.js';
import { endpoint } from '../../../src/testing/storage-suite/fixtures.js';
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
