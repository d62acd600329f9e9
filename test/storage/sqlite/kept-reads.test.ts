import { describe, expect, it } from 'vitest';
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
