import { describe, expect, it, vi } from 'vitest';
import { SqliteConnection } from '../../../src/storage/sqlite/connection/connection.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { at, delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('sqlite');

// Endpoints and messages are kept decoded between reads: every read must still see what other connections
// (other processes on the file) committed, and this storage's own writes.
describe('SqliteStorage kept reads', () => {
  it("reads of endpoints and messages see other connections' commits and this one's own writes", async () => {
    // Endpoints and messages are kept decoded between reads (the notifier reads both for every attempt).
    const path = temp.file('cronhook.db');
    const a = new SqliteStorage({ path });
    const b = new SqliteStorage({ path });
    await a.migrate();
    await a.insertEndpoint(endpoint('ep'));
    await a.insertMessage({ message: message('m'), deliveries: [delivery('d', 'm', 'ep')] });
    expect(await a.getEndpoint('ep')).toEqual(endpoint('ep'));
    expect(await a.getMessage('m')).toEqual(message('m'));
    // Another storage on the file (another process) changes the endpoint and prunes the message.
    const changed = endpoint('ep', { url: 'https://changed.example.com/in', updatedAt: at(9) });
    await b.updateEndpoint(changed);
    expect(await a.getEndpoint('ep')).toEqual(changed);
    await b.updateDelivery(delivery('d', 'm', 'ep', { status: 'succeeded', nextAttemptAt: null }));
    expect(await b.pruneDeliveries({ before: at(1) })).toBe(1);
    expect(await a.getMessage('m')).toBeNull();
    // Its own writes, at once.
    const again = { ...changed, enabled: false, updatedAt: at(10) };
    await a.updateEndpoint(again);
    expect(await a.getEndpoint('ep')).toEqual(again);
    // Each read is the caller's own copy.
    (await a.getEndpoint('ep'))!.topics.push('mutated');
    expect(await a.getEndpoint('ep')).toEqual(again);
    await a.deleteEndpoint('ep');
    expect(await a.getEndpoint('ep')).toBeNull();
    await b.close();
    await a.close();
  });

  it("endpoint listings see other connections' commits and this one's own writes", async () => {
    // Every publish lists every endpoint: the list is kept decoded between reads too.
    const path = temp.file('cronhook.db');
    const a = new SqliteStorage({ path });
    const b = new SqliteStorage({ path });
    await a.migrate();
    await a.insertEndpoint(endpoint('ep1', { createdAt: at(1) }));
    await a.insertEndpoint(endpoint('ep2', { createdAt: at(2) }));
    const ids = async () => (await a.listEndpoints()).map((e) => e.id);
    expect(await ids()).toEqual(['ep1', 'ep2']);
    // Another storage on the file (another process) adds one, changes one and removes one.
    await b.insertEndpoint(endpoint('ep3', { createdAt: at(3) }));
    expect(await ids()).toEqual(['ep1', 'ep2', 'ep3']);
    const changed = endpoint('ep1', {
      createdAt: at(1),
      url: 'https://changed.example.com/in',
      updatedAt: at(9),
    });
    await b.updateEndpoint(changed);
    expect((await a.listEndpoints())[0]).toEqual(changed);
    await b.deleteEndpoint('ep2');
    expect(await ids()).toEqual(['ep1', 'ep3']);
    // Its own writes, at once, with pages as before.
    await a.insertEndpoint(endpoint('ep4', { createdAt: at(4) }));
    expect(await ids()).toEqual(['ep1', 'ep3', 'ep4']);
    await a.updateEndpoint({ ...changed, enabled: false });
    expect((await a.listEndpoints({ limit: 2 })).map((e) => [e.id, e.enabled])).toEqual([
      ['ep1', false],
      ['ep3', true],
    ]);
    expect((await a.listEndpoints({ after: 'ep3' })).map((e) => e.id)).toEqual(['ep4']);
    await a.deleteEndpoint('ep3');
    expect(await ids()).toEqual(['ep1', 'ep4']);
    // Each listing is the caller's own copy.
    (await a.listEndpoints())[0]!.topics.push('mutated');
    expect((await a.listEndpoints())[0]!.topics).toEqual(changed.topics);
    await b.close();
    await a.close();
  });

  it("an attempt reads its endpoint and message as its claim saw them, without a look at other connections' commits", async () => {
    const path = temp.file('cronhook.db');
    const a = new SqliteStorage({ path });
    const b = new SqliteStorage({ path });
    await a.migrate();
    await a.insertEndpoint(endpoint('ep'));
    for (const m of ['m1', 'm2'])
      await a.insertMessage({ message: message(m), deliveries: [delivery(`d-${m}`, m, 'ep')] });
    const claim = () => a.claimDeliveries({ now: at(0), limit: 1, instanceId: 'a', leaseMs: 60_000 });
    expect((await claim()).map((d) => d.id)).toEqual(['d-m1']);
    // Reading `data_version` outside a write begins a read transaction: the attempt's two reads begin none.
    const looks = vi.spyOn(SqliteConnection.prototype, 'dataVersion');
    expect(await a.getDeliveryEndpoint!('ep')).toEqual(endpoint('ep'));
    expect(await a.getMessage('m1')).toEqual(message('m1'));
    expect(looks).not.toHaveBeenCalled();
    looks.mockRestore();
    // Another storage on the file (another process) changes the endpoint: d-m1, leased before, is attempted as
    // its claim read the endpoint (within its lease); reads for anything else see the change at once.
    const changed = endpoint('ep', { url: 'https://changed.example.com/in', updatedAt: at(9) });
    await b.updateEndpoint(changed);
    expect(await a.getDeliveryEndpoint!('ep')).toEqual(endpoint('ep'));
    expect(await a.getEndpoint('ep')).toEqual(changed);
    // The next claim sees it: its deliveries' attempts read the endpoint as changed.
    await b.updateEndpoint({ ...changed, url: 'https://again.example.com/in', updatedAt: at(10) });
    expect((await claim()).map((d) => d.id)).toEqual(['d-m2']);
    expect(await a.getDeliveryEndpoint!('ep')).toMatchObject({ url: 'https://again.example.com/in' });
    expect(await a.getMessage('m2')).toEqual(message('m2'));
    // Each read is the caller's own copy.
    (await a.getDeliveryEndpoint!('ep'))!.topics.push('mutated');
    (await a.getMessage('m2'))!.topic = 'mutated';
    expect(await a.getDeliveryEndpoint!('ep')).toMatchObject({ topics: changed.topics });
    expect(await a.getMessage('m2')).toEqual(message('m2'));
    await b.close();
    await a.close();
  });

  it('an attempt made once the last claim’s lease has ended reads the endpoint and message as stored now', async () => {
    const path = temp.file('cronhook.db');
    const a = new SqliteStorage({ path });
    const b = new SqliteStorage({ path });
    await a.migrate();
    await a.insertEndpoint(endpoint('ep'));
    await a.insertMessage({ message: message('m'), deliveries: [delivery('d', 'm', 'ep')] });
    await a.claimDeliveries({ now: at(0), limit: 1, instanceId: 'a', leaseMs: 60_000 });
    expect(await a.getDeliveryEndpoint!('ep')).toEqual(endpoint('ep'));
    expect(await a.getMessage('m')).toEqual(message('m'));
    // Another process changes the endpoint, finishes the delivery and prunes it with its message; no claim
    // here meanwhile (the notifier stopped, or an attempt is made by hand) and the claim's lease is over.
    const changed = endpoint('ep', { url: 'https://changed.example.com/in', updatedAt: at(9) });
    await b.updateEndpoint(changed);
    await b.updateDelivery(delivery('d', 'm', 'ep', { status: 'succeeded', nextAttemptAt: null }));
    expect(await b.pruneDeliveries({ before: at(1) })).toBe(1);
    const now = performance.now();
    const clock = vi.spyOn(performance, 'now').mockReturnValue(now + 60_001);
    try {
      expect(await a.getDeliveryEndpoint!('ep')).toEqual(changed);
      expect(await a.getMessage('m')).toBeNull();
    } finally {
      clock.mockRestore();
    }
    await b.close();
    await a.close();
  });

  it('lists more endpoints than it keeps in memory, by statement, page after page', async () => {
    const storage = new SqliteStorage({ path: temp.file('cronhook.db') });
    await storage.migrate();
    const count = 1_005;
    for (let i = 0; i < count; i++) {
      await storage.insertEndpoint(endpoint(`ep${String(i).padStart(4, '0')}`, { createdAt: at(i) }));
    }
    const listed: string[] = [];
    for (let page = await storage.listEndpoints({ limit: 500 }); page.length > 0; ) {
      listed.push(...page.map((e) => e.id));
      page = await storage.listEndpoints({ limit: 500, after: listed.at(-1)! });
    }
    expect(listed).toHaveLength(count);
    expect(listed[1_004]).toBe('ep1004');
    await storage.close();
  });
});
