import { afterEach, describe } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/types.js';
import { describePostgres, dropSchema, postgresUrl, uniqueSchema } from './postgres.js';
import { useTempDir } from './test-lifecycle.js';

/**
 * Declares `tests` once for each storage cronhook ships, each in a describe named after it: `${title}
 * (MemoryStorage)`, `(SqliteStorage)` and `(PostgresStorage)`, the last as {@link describePostgres} does. Their
 * `open()` makes a new, empty storage: a SQLite file of its own, a Postgres schema of its own. Each storage a
 * test opened is closed after it, once the test's own `afterEach` ran (a scheduler on it stopped), and its
 * schema dropped. Call at the top level of a file.
 * @example describeEachStorage('a change racing a claim', (open) => { it('...', async () => { const storage = await open(); }); });
 */
export function describeEachStorage(title: string, tests: (open: () => Promise<Storage>) => void): void {
  const temp = useTempDir('each-storage');
  describe(`${title} (MemoryStorage)`, () => tests(opening(async () => new MemoryStorage())));
  describe(`${title} (SqliteStorage)`, () =>
    tests(opening(async () => new SqliteStorage({ path: temp.file('cronhook.db') }))));
  describePostgres(`${title} (PostgresStorage)`, () =>
    tests(
      opening(
        async () =>
          new PostgresStorage({ connectionString: await postgresUrl(), schema: uniqueSchema('each') }),
        (storage) => dropSchema((storage as PostgresStorage).schema),
      ),
    ),
  );
}

/** `make`, with what it made closed (and `drop`ped) after each test: hooks run in reverse (`sequence.hooks: 'stack'`). */
function opening(
  make: () => Promise<Storage>,
  drop?: (storage: Storage) => Promise<void>,
): () => Promise<Storage> {
  const opened: Storage[] = [];
  afterEach(async () => {
    for (const storage of opened.splice(0)) {
      await storage.close?.();
      await drop?.(storage);
    }
  });
  return async () => {
    const storage = await make();
    opened.push(storage);
    return storage;
  };
}
