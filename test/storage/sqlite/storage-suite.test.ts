import { SqliteStorage, type SqliteStorageOptions } from '../../../src/storage/sqlite/index.js';
import type { Storage } from '../../../src/storage/types.js';
import { testStorage } from '../../../src/testing/storage.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('sqlite');
/** The file of each storage the suite's factory made, for its `reopen`. */
const files = new WeakMap<Storage, string>();

/** The suite on a file, the outbox's writes on the main thread (the default) or the write thread. */
function testFile(name: string, options: Partial<SqliteStorageOptions> = {}): void {
  testStorage(
    name,
    () => {
      const path = temp.file('cronhook.db');
      const storage = new SqliteStorage({ path, ...options });
      files.set(storage, path);
      return storage;
    },
    { reopen: (storage) => new SqliteStorage({ path: files.get(storage)!, shared: true, ...options }) },
  );
}

testFile('SqliteStorage (file)');
testFile("SqliteStorage (file, writeThread 'worker')", { writeThread: 'worker' });
testStorage('SqliteStorage (:memory:)', () => new SqliteStorage({ path: ':memory:' }));
