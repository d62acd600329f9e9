import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteConnection } from '../../../src/storage/sqlite/connection.js';

const dir = mkdtempSync(join(tmpdir(), 'cronhook-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SQLite checkpoints off the event loop', () => {
  it('leaves checkpoints to a worker, which keeps the WAL from growing while commits go on, losing nothing', async () => {
    const path = join(dir, 'busy.db');
    // 'normal': commits are not each flushed, so the test does not wait for the disk 1,800 times.
    const c = new SqliteConnection({ path, busyTimeoutMs: 1000, synchronous: 'normal' });
    c.db.exec('CREATE TABLE t (v INTEGER, pad TEXT)');
    // The connection itself never checkpoints: no COMMIT stops the event loop to copy the WAL and fsync.
    expect(c.db.prepare('PRAGMA wal_autocheckpoint').get()).toEqual({ wal_autocheckpoint: 0 });
    const pad = 'x'.repeat(2000);
    const walSizes: number[] = [];
    for (let round = 0; round < 10; round++) {
      // 300 commits a round (a checkpoint is due every 256), each adding a page or so to the WAL.
      for (let i = 0; i < 300; i++) await c.write(() => c.run('INSERT INTO t VALUES (?, ?)', [i, pad]));
      await sleep(100);
      walSizes.push(statSync(`${path}-wal`).size);
    }
    // Without checkpoints the WAL would hold every frame: 3,000 commits of two pages or more, over 24 MB.
    // With them it is written from its start again after each checkpoint (every 256 commits or so): its
    // size is where it reached at most.
    expect(Math.max(...walSizes)).toBeLessThan(3000 * 4096);
    const reader = new DatabaseSync(path, { readOnly: true });
    expect(reader.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3000 });
    reader.close();
    await c.drained();
    c.close();
  });
});
