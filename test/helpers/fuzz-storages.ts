import { afterEach } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/types.js';

/**
 * The stores fuzz tests run against, for `describe.each`: [name, factory, runs]. SQLite gets fewer runs
 * (each case opens a database). Databases opened by a test are closed after it. Call at the top level.
 */
export function useFuzzStorages(): Array<[string, () => Promise<Storage>, number]> {
  const open: SqliteStorage[] = [];
  afterEach(async () => {
    for (const storage of open.splice(0)) await storage.close();
  });
  return [
    ['MemoryStorage', async () => new MemoryStorage(), 300],
    [
      'SqliteStorage',
      async () => {
        const storage = new SqliteStorage({ path: ':memory:' });
        await storage.migrate();
        open.push(storage);
        return storage;
      },
      80,
    ],
  ];
}
