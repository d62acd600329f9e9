import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SqliteConnection } from '../../../src/storage/sqlite/connection/connection.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { WriteLock } from '../../../src/storage/sqlite/write-thread/lock.js';
import { ThreadedOutbox } from '../../../src/storage/sqlite/write-thread/outbox.js';
import {
  inCronhookPackage,
  WriteThread,
  writeThreadAvailable,
} from '../../../src/storage/sqlite/write-thread/thread.js';
import { at, delivery, endpoint, message, minimalJob } from '../../../src/testing/storage-suite/fixtures.js';
import { useCleanups, useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('sqlite-write-thread');
const cleanups = useCleanups();

const input = (n: number) => ({
  message: message(`msg_${n}`),
  deliveries: [delivery(`dlv_${n}`, `msg_${n}`, 'ep1')],
});

/** A migrated file holding endpoint `ep1`. */
async function preparedFile(): Promise<string> {
  const path = temp.file('cronhook.db');
  const storage = new SqliteStorage({ path, writeThread: 'main' });
  await storage.insertEndpoint(endpoint('ep1'));
  await storage.close();
  return path;
}

describe("SqliteStorage writeThread: 'worker'", () => {
  it('validates writeThread, naming the field', () => {
    expect(() => new SqliteStorage({ path: temp.file('a.db'), writeThread: 'both' as 'main' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'writeThread' }),
    );
    expect(() => new SqliteStorage({ path: ':memory:', writeThread: 'worker' })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_OPTION',
        field: 'writeThread',
        message: expect.stringContaining(':memory:'),
      }),
    );
  });

  it("starts only from cronhook's own files: never from an app's bundle, which it would run whole", () => {
    expect(writeThreadAvailable()).toBe(true);
    const app = temp.file('app');
    mkdirSync(join(app, 'dist'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-app' }));
    expect(inCronhookPackage(pathToFileURL(join(app, 'dist', 'server.js')).href)).toBe(false);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'cronhook' }));
    expect(inCronhookPackage(pathToFileURL(join(app, 'dist', 'server.js')).href)).toBe(true);
    expect(inCronhookPackage('data:text/javascript,0')).toBe(false);
  });

  it("never fails on the other thread's write lock: writes of both threads at once, with busyTimeoutMs 0", async () => {
    const path = await preparedFile();
    const storage = new SqliteStorage({ path, busyTimeoutMs: 0, writeThread: 'worker' });
    cleanups.push(() => storage.close());
    await storage.insertMessage(input(0)); // the thread is up
    const writes: Promise<unknown>[] = [];
    for (let round = 1; round <= 40; round++) {
      // The outbox's on the write thread (long transactions: 300 records each); jobs on the main thread.
      const id = `msg_${round}`;
      const deliveries = Array.from({ length: 300 }, (_, i) => delivery(`dlv_${round}_${i}`, id, 'ep1'));
      writes.push(storage.insertMessage({ message: message(id), deliveries }));
      writes.push(storage.insertJob(minimalJob(`job-${round}`)));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(writes);
    expect(await storage.listJobs({ limit: 100 })).toHaveLength(40);
    expect(await storage.listDeliveries({ messageId: 'msg_40', limit: 500 })).toHaveLength(300);
  });

  it('close() lets the writes made before it commit, then stops the thread', async () => {
    const path = await preparedFile();
    const storage = new SqliteStorage({ path, writeThread: 'worker' });
    await storage.ready();
    const writes = Array.from({ length: 50 }, (_, n) => storage.insertMessage(input(n)));
    await storage.close();
    await expect(Promise.all(writes)).resolves.toHaveLength(50);
    const reopened = new SqliteStorage({ path, writeThread: 'main' });
    cleanups.push(() => reopened.close());
    expect(await reopened.listDeliveries({ limit: 100 })).toHaveLength(50);
  });

  it("serves an attempt with the claim's endpoint row until this storage writes that endpoint", async () => {
    const path = await preparedFile();
    const storage = new SqliteStorage({ path, writeThread: 'worker' });
    cleanups.push(() => storage.close());
    await storage.insertMessage(input(1));
    const [claimed] = await storage.claimDeliveries({
      now: at(0),
      limit: 5,
      instanceId: 'i',
      leaseMs: 60_000,
    });
    expect(claimed?.id).toBe('dlv_1');
    expect(await storage.getMessage('msg_1')).toEqual(message('msg_1'));
    expect(await storage.getDeliveryEndpoint!('ep1')).toMatchObject({
      id: 'ep1',
      description: endpoint('ep1').description,
    });
    await storage.updateEndpoint(endpoint('ep1', { description: 'changed', updatedAt: at(10) }));
    expect(await storage.getDeliveryEndpoint!('ep1')).toMatchObject({ description: 'changed' });
  });

  it('a thread that stops rejects the writes waiting for it with ERR_STORAGE; later writes run on the main thread', async () => {
    const path = await preparedFile();
    const lock = new WriteLock();
    const connection = new SqliteConnection({
      path,
      busyTimeoutMs: 5_000,
      synchronous: 'full',
      lock,
    });
    const thread = new WriteThread({ path, busyTimeoutMs: 5_000, synchronous: 'full' }, lock);
    const outbox = new ThreadedOutbox(connection, thread);
    cleanups.push(async () => {
      await thread.close();
      await connection.drained();
      await connection.close();
    });
    await outbox.insertMessage(input(1));
    expect(thread.broken).toBeNull();

    const waiting = outbox.insertMessage(input(2));
    await thread.terminate();
    await expect(waiting).rejects.toMatchObject({ name: 'CronhookError', code: 'ERR_STORAGE' });
    expect(thread.broken).toMatchObject({ code: 'ERR_STORAGE' });

    await outbox.insertMessage(input(3));
    const ids = outbox.listDeliveries({ limit: 10 }) as Array<{ id: string }>;
    expect(ids.map((d) => d.id).sort()).toEqual(expect.arrayContaining(['dlv_1', 'dlv_3']));
    const claimed = await outbox.claimDeliveries({ now: at(0), limit: 10, instanceId: 'i', leaseMs: 1_000 });
    expect(claimed.map((d) => d.id)).toContain('dlv_3');
  });
});
