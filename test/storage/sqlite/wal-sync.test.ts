import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteConnection } from '../../../src/storage/sqlite/connection.js';
import { type Flush, WalSync } from '../../../src/storage/sqlite/wal-sync.js';
import { flushPromises } from '../../../src/testing/fake-clock.js';

const dir = mkdtempSync(join(tmpdir(), 'cronhook-wal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `db-${n++}.db`);

/** A flush the test completes by hand, recording each call. */
function heldFlush() {
  const calls: Array<(error: Error | null) => void> = [];
  const flush: Flush = (_fd, done) => void calls.push(done);
  return { flush, calls };
}

/** Lets queued group commits (setImmediate) and their callbacks run. */
async function turns(count = 3): Promise<void> {
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await flushPromises();
  }
}

describe('WalSync', () => {
  it('tells a commit once a flush that started after it has returned; commits during a flush share the next', () => {
    // Any file will do for the descriptor: the flush is the test's.
    const path = freshPath();
    writeFileSync(path, '');
    const { flush, calls } = heldFlush();
    const sync = new WalSync(path, flush);
    const done: string[] = [];
    sync.afterCommit(() => done.push('a'));
    expect(calls).toHaveLength(1);
    sync.afterCommit(() => done.push('b'));
    sync.afterCommit(() => done.push('c'));
    // b and c committed while the first flush ran: it may not cover them.
    expect(calls).toHaveLength(1);
    calls[0]!(null);
    expect(done).toEqual(['a']);
    expect(calls).toHaveLength(2);
    calls[1]!(null);
    expect(done).toEqual(['a', 'b', 'c']);
    expect(calls).toHaveLength(2);
    sync.close();
  });

  it('passes a failed flush on to every commit it covered', async () => {
    const path = freshPath();
    writeFileSync(path, '');
    const { flush, calls } = heldFlush();
    const sync = new WalSync(path, flush);
    const errors: Array<Error | null> = [];
    sync.afterCommit((e) => errors.push(e));
    sync.afterCommit((e) => errors.push(e));
    calls[0]!(new Error('EIO'));
    expect(errors).toEqual([expect.objectContaining({ message: 'EIO' })]);
    calls[1]!(null);
    expect(errors).toEqual([expect.objectContaining({ message: 'EIO' }), null]);
    await sync.drained();
    sync.close();
  });
});

describe("SqliteConnection with synchronous: 'full'", () => {
  const open = (path: string, flush: Flush) =>
    new SqliteConnection({ path, busyTimeoutMs: 1000, synchronous: 'full', flush });
  const setup = (c: SqliteConnection) => c.db.exec('CREATE TABLE t (v INTEGER)');
  const count = (path: string) => {
    const peek = new DatabaseSync(path, { readOnly: true });
    const rows = Number(peek.prepare('SELECT count(*) AS n FROM t').get()?.n);
    peek.close();
    return rows;
  };

  it('runs SQLite on NORMAL and acknowledges a write only after the WAL is flushed, off the event loop', async () => {
    const path = freshPath();
    const { flush, calls } = heldFlush();
    const c = open(path, flush);
    expect(c.db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 }); // NORMAL
    setup(c);
    let acknowledged = false;
    const write = c
      .write(() => c.run('INSERT INTO t VALUES (1)'))
      .then(() => {
        acknowledged = true;
      });
    await turns();
    // Committed (another connection sees it), not yet flushed: not acknowledged.
    expect(count(path)).toBe(1);
    expect(calls).toHaveLength(1);
    expect(acknowledged).toBe(false);
    calls[0]!(null);
    await write;
    expect(acknowledged).toBe(true);
    c.close();
  });

  it('commits the next group while a flush runs, and a non-durable write (a lease) does not wait for it', async () => {
    const path = freshPath();
    const { flush, calls } = heldFlush();
    const c = open(path, flush);
    setup(c);
    const order: string[] = [];
    const first = c.write(() => c.run('INSERT INTO t VALUES (1)')).then(() => order.push('durable 1'));
    await turns();
    expect(calls).toHaveLength(1);
    const lease = c
      .write(() => c.run('INSERT INTO t VALUES (2)'), { durable: false })
      .then(() => {
        order.push('lease');
      });
    const second = c.write(() => c.run('INSERT INTO t VALUES (3)')).then(() => order.push('durable 2'));
    await turns();
    // The second group committed during the first flush; its lease is acknowledged at once.
    expect(count(path)).toBe(3);
    await lease;
    expect(order).toEqual(['lease']);
    calls[0]!(null);
    await first;
    expect(order).toEqual(['lease', 'durable 1']);
    // The second group's durable write waits for a flush that started after its commit.
    expect(calls).toHaveLength(2);
    calls[1]!(null);
    await second;
    expect(order).toEqual(['lease', 'durable 1', 'durable 2']);
    c.close();
  });

  it('rejects the writes of a group whose flush failed', async () => {
    const path = freshPath();
    const { flush, calls } = heldFlush();
    const c = open(path, flush);
    setup(c);
    const write = c.write(() => c.run('INSERT INTO t VALUES (1)'));
    await turns();
    calls[0]!(new Error('EIO: disk gone'));
    await expect(write).rejects.toThrow('EIO: disk gone');
    c.close();
  });

  it('drained() waits for the flush, so close() after it loses nothing', async () => {
    const path = freshPath();
    const { flush, calls } = heldFlush();
    const c = open(path, flush);
    setup(c);
    void c.write(() => c.run('INSERT INTO t VALUES (1)'));
    let drained = false;
    const draining = c.drained().then(() => {
      drained = true;
    });
    await turns();
    expect(drained).toBe(false);
    calls[0]!(null);
    await draining;
    c.close();
    expect(count(path)).toBe(1);
  });

  it("keeps SQLite's own FULL for ':memory:' and flushes nothing itself with synchronous: 'normal'", async () => {
    const { flush, calls } = heldFlush();
    const memory = new SqliteConnection({
      path: ':memory:',
      busyTimeoutMs: 1000,
      synchronous: 'full',
      flush,
    });
    expect(memory.db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 2 }); // FULL
    setup(memory);
    await memory.write(() => memory.run('INSERT INTO t VALUES (1)'));
    memory.close();
    const normal = new SqliteConnection({
      path: freshPath(),
      busyTimeoutMs: 1000,
      synchronous: 'normal',
      flush,
    });
    setup(normal);
    await normal.write(() => normal.run('INSERT INTO t VALUES (1)'));
    normal.close();
    expect(calls).toHaveLength(0);
  });
});
