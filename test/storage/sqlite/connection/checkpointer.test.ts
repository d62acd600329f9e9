import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { Checkpointer } from '../../../../src/storage/sqlite/connection/checkpointer.js';
import { SqliteConnection } from '../../../../src/storage/sqlite/connection/connection.js';
import { spawnFixture } from '../../../helpers/child-process.js';
import { until } from '../../../helpers/test-lifecycle.js';
import { workerThreads } from '../../../helpers/threads.js';

const dir = mkdtempSync(join(tmpdir(), 'cronhook-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// The tests that count worker threads start once an earlier test's worker has ended (it ends after close()
// returns; on a loaded host that can take a moment).
const noWorkerLeft = () => until(() => workerThreads() === 0);

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
    try {
      for (let round = 0; round < 10; round++) {
        // 300 commits a round (a checkpoint is due every 256), each adding a page or so to the WAL.
        for (let i = 0; i < 300; i++) await c.write(() => c.run('INSERT INTO t VALUES (?, ?)', [i, pad]));
        await sleep(100);
        walSizes.push(statSync(`${path}-wal`).size);
      }
      // Without checkpoints the WAL would hold every frame: 3,000 commits of two pages or more, over 24 MB.
      // With them it is written from its start again after each checkpoint (every 256 commits or so): its
      // size is where it reached at most: 600–900 pages of 4 KB on a quiet host, 6,000 or more without
      // checkpoints. The bound leaves room for a loaded host, where the worker can fall a few checkpoints
      // behind the commits (3,170 pages at load 20).
      expect(Math.max(...walSizes)).toBeLessThan(4500 * 4096);
      const reader = new DatabaseSync(path, { readOnly: true });
      expect(reader.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3000 });
      reader.close();
    } finally {
      // Closed even when an expectation failed, so the next tests do not count its thread.
      await c.drained();
      c.close();
    }
    // Its worker thread ends with it.
    await noWorkerLeft();
  });
});

describe('Checkpointer', () => {
  it('hands checkpoints back to SQLite when its worker fails', async () => {
    let fellBack = 0;
    // The worker cannot open a file in a folder that does not exist: it fails as it starts.
    const checkpointer = new Checkpointer(join(dir, 'missing', 'x.db'), 1000, {
      holdWrites: () => () => {},
      fallback: () => fellBack++,
    });
    for (let i = 0; i < 256; i++) checkpointer.committed();
    await until(() => fellBack > 0);
    // Broken for good: further commits neither start a worker again nor fall back twice.
    for (let i = 0; i < 512; i++) checkpointer.committed();
    await sleep(100);
    expect(fellBack).toBe(1);
    checkpointer.close();
  });

  it('begins its RESTART phase only once a hold taken asynchronously (the write lock, on the main thread) is held', async () => {
    const path = join(dir, 'async-hold.db');
    const db = new DatabaseSync(path);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (v INTEGER)');
    for (let i = 0; i < 300; i++) db.exec(`INSERT INTO t VALUES (${i})`);
    let grant: ((release: () => void) => void) | undefined;
    let released = 0;
    const checkpointer = new Checkpointer(path, 1000, {
      holdWrites: () => new Promise((resolve) => (grant = resolve)),
      fallback: () => {},
    });
    for (let i = 0; i < 256; i++) checkpointer.committed();
    // The PASSIVE phase is over and the hold is asked for; until it is held, writers go on, none waiting.
    await until(() => grant !== undefined);
    db.exec('PRAGMA busy_timeout = 0');
    db.exec('INSERT INTO t VALUES (300)');
    grant!(() => released++);
    // Held: the RESTART phase runs, then lets go of the hold, once.
    await until(() => released === 1);
    // It copied everything, the last insert included: the next commit writes the WAL from its start.
    db.exec('INSERT INTO t VALUES (301)');
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
    expect(db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get()).toMatchObject({ log: 1 });
    await checkpointer.close();
    expect(released).toBe(1);
    db.close();
  });

  it('starts its thread with the first checkpoint only, and ends it on close', async () => {
    const path = join(dir, 'thread.db');
    await noWorkerLeft();
    const c = new SqliteConnection({ path, busyTimeoutMs: 1000, synchronous: 'normal' });
    c.db.exec('CREATE TABLE t (v INTEGER)');
    await c.write(() => c.run('INSERT INTO t VALUES (1)'));
    expect(workerThreads()).toBe(0);
    for (let i = 0; i < 300; i++) await c.write(() => c.run('INSERT INTO t VALUES (?)', [i]));
    await until(() => workerThreads() === 1);
    await c.drained();
    c.close();
    await noWorkerLeft();
  });

  it('close resolves once its worker has let go of the file: the WAL is gone, the file opens at once', async () => {
    const path = join(dir, 'release.db');
    await noWorkerLeft();
    const c = new SqliteConnection({ path, busyTimeoutMs: 1000, synchronous: 'normal' });
    c.db.exec('CREATE TABLE t (v INTEGER)');
    for (let i = 0; i < 300; i++) await c.write(() => c.run('INSERT INTO t VALUES (?)', [i]));
    await until(() => workerThreads() === 1);
    await c.drained();
    await c.close();
    // The worker's connection was the file's last: it checkpointed and removed the WAL as it closed. Before,
    // close() returned while it still did, and a process opening the file then found it locked.
    const db = new DatabaseSync(path); // no busy timeout: a file still held throws "database is locked"
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 300 });
    db.close();
    expect(workerThreads()).toBe(0);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('keeps the process alive until close() has resolved, although the worker never does otherwise', async () => {
    // The worker is unref'ed: a process whose only pending work was awaiting close() ended at once, with
    // close() unsettled (an ES module's top-level await then exits with code 13, what came after never ran).
    const child = spawnFixture('sqlite-close-last.ts', [join(dir, 'last.db')]);
    const { code } = await child.exited;
    expect(child.messages.map((m) => m.type)).toEqual(['closing', 'closed']);
    // The checkpoint worker was running (a loader may add a thread of its own).
    expect(child.messages[0]!.workers).toBeGreaterThanOrEqual(1);
    expect(code, child.stderr()).toBe(0);
  }, 30_000);
});
