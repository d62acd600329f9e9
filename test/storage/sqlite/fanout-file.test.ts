/**
 * SqliteStorage's insertFanout on a database file: storages sharing the file write each fan-out once and see
 * each other's, a version 8 database is upgraded, and a fan-out stored before a kill is all there after.
 * That a fan-out answers as its delivery records would: fanout.test.ts.
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { fanoutDeliveryId } from '../../../src/notifier/ids.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import type { Storage } from '../../../src/storage/types.js';
import { at, delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
import { spawnFixture } from '../../helpers/child-process.js';
import { fanoutMessage } from '../../helpers/storage.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const dir = useTempDir('sqlite-fanout-file').path;
let files = 0;
const freshPath = () => join(dir, `fanout-${files++}.db`);

const claim = (s: Storage) =>
  s.claimDeliveries({ now: at(100), limit: 5, instanceId: 'i1', leaseMs: 30_000 });

describe('SqliteStorage.insertFanout on a database file', () => {
  it('storages on one file write each fan-out once and claim each delivery once', async () => {
    const path = freshPath();
    const storages = [0, 1, 2].map(() => new SqliteStorage({ path, shared: true }));
    const [first] = storages;
    const endpointIds = Array.from({ length: 20 }, (_, i) => `e${i}`);
    for (const id of endpointIds) await first!.insertEndpoint(endpoint(id));
    const messages = 30;
    for (let i = 0; i < messages; i++)
      await first!.insertFanout!({ message: fanoutMessage(at(i)), endpointIds, nextAttemptAt: at(i) });
    const claimed: string[] = [];
    await Promise.all(
      storages.map(async (s, n) => {
        for (;;) {
          const batch = await s.claimDeliveries({
            now: at(100),
            limit: 7,
            instanceId: `i${n}`,
            leaseMs: 60_000,
          });
          if (batch.length === 0) return;
          claimed.push(...batch.map((d) => d.id));
          // Let the others take their turn at the file.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }),
    );
    expect(claimed).toHaveLength(messages * endpointIds.length);
    expect(new Set(claimed).size).toBe(claimed.length);
    const all = await first!.listDeliveries({ limit: 1_000 });
    expect(all).toHaveLength(messages * endpointIds.length);
    expect(all.every((d) => d.lockedBy !== null)).toBe(true);
    await Promise.all(storages.map((s) => s.close()));
  });

  it('a storage that saw no fan-out on the file finds those another storage stores later', async () => {
    const path = freshPath();
    const [a, b] = [0, 1].map(() => new SqliteStorage({ path, shared: true }));
    await a!.insertEndpoint(endpoint('e1'));
    await a!.insertEndpoint(endpoint('e2'));
    // `a` looks for fan-outs and finds none: claims, a read by derived id, a list.
    expect(await claim(a!)).toEqual([]);
    const first = fanoutMessage(at(1));
    expect(await a!.getDelivery(fanoutDeliveryId(first.id, 0))).toBeNull();
    expect(await a!.listDeliveries()).toEqual([]);
    await b!.insertFanout!({ message: first, endpointIds: ['e1', 'e2'], nextAttemptAt: at(1) });
    expect((await a!.getDelivery(fanoutDeliveryId(first.id, 1)))?.endpointId).toBe('e2');
    const second = fanoutMessage(at(2));
    await b!.insertFanout!({ message: second, endpointIds: ['e1', 'e2'], nextAttemptAt: at(2) });
    expect((await claim(a!)).map((d) => d.id)).toEqual([
      fanoutDeliveryId(first.id, 0),
      fanoutDeliveryId(first.id, 1),
      fanoutDeliveryId(second.id, 0),
      fanoutDeliveryId(second.id, 1),
    ]);
    // And `a`'s own fan-out, stored after it saw none.
    const third = fanoutMessage(at(3));
    await a!.insertFanout!({ message: third, endpointIds: ['e2', 'e1'], nextAttemptAt: at(3) });
    expect((await claim(a!)).map((d) => d.endpointId)).toEqual(['e2', 'e1']);
    await Promise.all([a!.close(), b!.close()]);
  });

  it('upgrades a version 8 database with messages and deliveries in it', async () => {
    const path = freshPath();
    const v8 = new SqliteStorage({ path });
    await v8.migrate();
    await v8.insertEndpoint(endpoint('e1'));
    await v8.insertMessage({ message: message('m1'), deliveries: [delivery('d1', 'm1', 'e1')] });
    await v8.close();
    const old = new DatabaseSync(path);
    old.exec(`DROP INDEX cronhook_messages_fanout;
      ALTER TABLE cronhook_messages DROP COLUMN fanout;
      ALTER TABLE cronhook_messages DROP COLUMN fanout_due;
      DELETE FROM cronhook_migrations WHERE version > 8`);
    old.close();

    const storage = new SqliteStorage({ path });
    await storage.migrate();
    expect(await storage.getMessage('m1')).toEqual(message('m1'));
    const fanout = fanoutMessage(at(1));
    await storage.insertFanout!({ message: fanout, endpointIds: ['e1'], nextAttemptAt: at(1) });
    const taken = await storage.claimDeliveries({ now: at(2), limit: 10, instanceId: 'i', leaseMs: 1_000 });
    expect(taken.map((d) => d.id)).toEqual(['d1', fanoutDeliveryId(fanout.id, 0)]);
    await storage.close();
  });

  it('a fan-out stored before the process was killed is all there after', async () => {
    const path = freshPath();
    const setup = new SqliteStorage({ path });
    const endpointIds = ['e1', 'e2', 'e3'];
    for (const id of endpointIds) await setup.insertEndpoint(endpoint(id));
    await setup.close();
    const child = spawnFixture('sqlite-fanout-kill.ts', [
      JSON.stringify({ path, endpointIds, count: 20, due: at(0).getTime() }),
    ]);
    const exit = await child.exited;
    expect(exit.signal, child.stderr()).toBe('SIGKILL');
    const stored = child.messages.filter((m) => m.type === 'stored').map((m) => String(m.id));
    expect(stored).toHaveLength(20);

    const storage = new SqliteStorage({ path });
    expect((await storage.stats!({ now: at(1) })).deliveries.pending).toBe(60);
    const taken = await storage.claimDeliveries({ now: at(1), limit: 100, instanceId: 'i', leaseMs: 1_000 });
    expect(taken.map((d) => d.id).sort()).toEqual(
      stored.flatMap((id) => endpointIds.map((_, i) => fanoutDeliveryId(id, i))).sort(),
    );
    await storage.close();
  });
});
