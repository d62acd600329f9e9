import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import type { Storage } from '../../../src/storage/types.js';
import { testStorage } from '../../../src/testing/storage.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('sqlite');
/** The file of each storage the suite's factory made, for its `reopen`. */
const files = new WeakMap<Storage, string>();
testStorage(
  'SqliteStorage (file)',
  () => {
    const path = temp.file('cronhook.db');
    const storage = new SqliteStorage({ path });
    files.set(storage, path);
    return storage;
  },
  { reopen: (storage) => new SqliteStorage({ path: files.get(storage)!, shared: true }) },
);
testStorage('SqliteStorage (:memory:)', () => new SqliteStorage({ path: ':memory:' }));
