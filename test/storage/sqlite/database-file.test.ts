import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { minimalJob } from '../../../src/testing/storage-suite/fixtures.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('sqlite');

// The database file SqliteStorage opens or creates: its folders, journal mode and permissions.
describe('SqliteStorage database file', () => {
  it('creates the database file and its folders, in WAL mode', async () => {
    const path = temp.file('nested/cronhook.db');
    expect(existsSync(path)).toBe(false);
    const storage = new SqliteStorage({ path });
    await storage.migrate();
    expect(existsSync(path)).toBe(true);
    const peek = new DatabaseSync(path, { readOnly: true });
    expect(peek.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    peek.close();
    await storage.close();
  });

  it('creates the database, WAL and shared-memory files readable by their owner only (0600)', async () => {
    const path = temp.file('cronhook.db');
    const previous = process.umask(0o022); // the usual umask, which makes new files 0644
    try {
      const storage = new SqliteStorage({ path });
      await storage.migrate();
      await storage.insertJob(minimalJob('j'));
      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        expect({ file, mode: (statSync(file).mode & 0o777).toString(8) }).toEqual({ file, mode: '600' });
      }
      await storage.close();
    } finally {
      process.umask(previous);
    }
  });

  it('leaves the mode of an existing database file as it is', async () => {
    const path = temp.file('existing.db');
    writeFileSync(path, '');
    chmodSync(path, 0o640);
    const storage = new SqliteStorage({ path });
    await storage.migrate();
    expect(statSync(path).mode & 0o777).toBe(0o640);
    await storage.close();
  });

  it('keeps everything across close and reopen', async () => {
    const path = temp.file('cronhook.db');
    const first = new SqliteStorage({ path });
    await first.migrate();
    await first.insertJob(minimalJob('kept'));
    await first.close();
    const second = new SqliteStorage({ path });
    await second.migrate();
    expect(await second.getJob('kept')).toEqual(minimalJob('kept'));
    await second.close();
  });

  it('opens a file: URI', async () => {
    const path = temp.file('uri.db');
    const storage = new SqliteStorage({ path: `file:${path}` });
    await storage.migrate();
    await storage.close();
    expect(existsSync(path)).toBe(true);
  });

  it('is shared only when told that other processes use the file', async () => {
    const alone = new SqliteStorage({ path: ':memory:' });
    const shared = new SqliteStorage({ path: temp.file('cronhook.db'), shared: true });
    expect(alone.shared).toBe(false);
    expect(shared.shared).toBe(true);
    await Promise.all([alone.close(), shared.close()]);
  });
});
