import { expect, it } from 'vitest';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import type { StorageChange } from '../../../src/storage/types.js';
import { delivery, endpoint, message, minimalJob } from '../../../src/testing/storage-suite/fixtures.js';
import { describePostgres, postgresStorages, postgresUrl, withPool } from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

// Instances wake each other through LISTEN/NOTIFY on the schema's channel (storage/postgres/listener.ts).
describePostgres('PostgresStorage LISTEN/NOTIFY', () => {
  const cleanups = useCleanups();
  const { open } = postgresStorages(cleanups);

  /** Subscribes to `storage`: the changes heard, in order, and a wait until they satisfy `done` (5 s at most). */
  async function listen(storage: PostgresStorage) {
    const heard: StorageChange[] = [];
    let wake: () => void = () => {};
    const unsubscribe = await storage.subscribe((change) => {
      heard.push(change);
      wake();
    });
    const until = (done: () => boolean) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`heard only ${JSON.stringify(heard)}`)), 5_000);
        wake = () => {
          if (done()) {
            clearTimeout(timer);
            resolve();
          }
        };
        wake();
      });
    return { heard, unsubscribe, until };
  }

  it('NOTIFY wakes a subscriber in another instance when jobs change or deliveries are due', async () => {
    const listening = await open();
    const writer = new PostgresStorage({
      connectionString: await postgresUrl(),
      schema: listening.schema,
      max: 2,
    });
    cleanups.push(() => writer.close());
    const { heard, unsubscribe, until } = await listen(listening);
    const next = (count: number) => until(() => heard.length >= count);

    await writer.insertJob(minimalJob('j'));
    await next(1);
    expect(heard).toEqual(['jobs']);
    await writer.insertEndpoint(endpoint('ep'));
    await writer.insertMessage({ message: message('m'), deliveries: [delivery('d', 'm', 'ep')] });
    await next(2);
    expect(heard).toEqual(['jobs', 'deliveries']);

    unsubscribe();
    await writer.updateJob(minimalJob('j', { name: 'changed' }));
    // A subscriber that comes later still hears changes, so the earlier one had its chance.
    const later: StorageChange[] = [];
    let heardLater: () => void = () => {};
    const laterHeard = new Promise<void>((resolve) => {
      heardLater = resolve;
    });
    await writer.subscribe((change) => {
      later.push(change);
      heardLater();
    });
    await writer.deleteJob('j');
    await laterHeard;
    expect(later[0]).toBe('jobs');
    expect(heard).toEqual(['jobs', 'deliveries']);
  });

  it('keeps a subscription through a lost LISTEN connection, telling subscribers to look again', async () => {
    const storage = await open();
    const { heard, unsubscribe, until } = await listen(storage);
    cleanups.push(async () => unsubscribe());
    const channel = `cronhook_${storage.schema}`;
    const terminated = await withPool((pool) =>
      pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1', [
        `LISTEN "${channel}"`,
      ]),
    );
    expect(terminated.rowCount).toBe(1);
    await until(() => heard.includes('jobs') && heard.includes('deliveries'));
    heard.length = 0;
    await storage.insertJob(minimalJob('after-reconnect'));
    await until(() => heard.includes('jobs'));
  });
});
