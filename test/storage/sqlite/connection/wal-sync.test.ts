import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SqliteConnection } from '../../../../src/storage/sqlite/connection/connection.js';
import { WalSync } from '../../../../src/storage/sqlite/connection/wal-sync.js';
import { useTempDir } from '../../../helpers/test-lifecycle.js';
import { countRows, createTable, heldFlush, openFull, turns } from '../held-flush.js';

// A write on a file with synchronous: 'full' is acknowledged once our own WAL flush has returned. That a claim
// hands out only what is on disk: claim-flush.test.ts.

const temp = useTempDir('wal');
const freshPath = () => temp.file('db.db');

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
  /** A connection with table t and a row in it, past its first claim and that claim's flush. */
  async function opened() {
    const path = freshPath();
    const { flush, calls } = heldFlush();
    const c = openFull(path, flush);
    createTable(c);
    // The first claim flushes what other connections may have committed before this one opened.
    const opening = c.write(() => c.run('INSERT INTO t VALUES (0)'), 'claim');
    await turns();
    calls[0]!(null);
    await opening;
    return { path, calls, c };
  }

  it('runs SQLite on NORMAL and acknowledges a write only after the WAL is flushed, off the event loop', async () => {
    const path = freshPath();
    const { flush, calls } = heldFlush();
    const c = openFull(path, flush);
    expect(c.db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 }); // NORMAL
    createTable(c);
    let acknowledged = false;
    const write = c
      .write(() => c.run('INSERT INTO t VALUES (1)'))
      .then(() => {
        acknowledged = true;
      });
    await turns();
    // Committed (another connection sees it), not yet flushed: not acknowledged.
    expect(countRows(path)).toBe(1);
    expect(calls).toHaveLength(1);
    expect(acknowledged).toBe(false);
    calls[0]!(null);
    await write;
    expect(acknowledged).toBe(true);
    c.close();
  });

  it('commits the next group while a flush runs; outcomes wait for their flush, claims need not', async () => {
    const { path, calls, c } = await opened();
    const order: string[] = [];
    const first = c
      .write(() => c.run('INSERT INTO t VALUES (1)'), 'outcome')
      .then(() => order.push('outcome 1'));
    await turns();
    expect(calls).toHaveLength(2);
    const lease = c
      .write(() => c.run('INSERT INTO t VALUES (2)'), 'claim')
      .then(() => {
        order.push('lease');
      });
    const second = c
      .write(() => c.run('INSERT INTO t VALUES (3)'), 'outcome')
      .then(() => order.push('outcome 2'));
    await turns();
    // The second group committed during the first flush; its lease read nothing a flush still owes: it is
    // acknowledged at once.
    expect(countRows(path)).toBe(4);
    await lease;
    expect(order).toEqual(['lease']);
    calls[1]!(null);
    await first;
    expect(order).toEqual(['lease', 'outcome 1']);
    // The second group's outcome waits for a flush that started after its commit.
    expect(calls).toHaveLength(3);
    calls[2]!(null);
    await second;
    expect(order).toEqual(['lease', 'outcome 1', 'outcome 2']);
    c.close();
  });

  it('outcomes queued while a flush runs wait for it, then commit as one group, acknowledged after their own flush', async () => {
    const { path, calls, c } = await opened();
    const acknowledged: number[] = [];
    const outcome = (v: number) =>
      c.write(() => c.run(`INSERT INTO t VALUES (${v})`), 'outcome').then(() => acknowledged.push(v));
    const first = outcome(1);
    await turns(8);
    expect(calls).toHaveLength(2); // committed, its flush running
    // Answers read over several turns while that flush runs: none commits, so none writes its pages alone.
    const later = [outcome(2)];
    await turns();
    later.push(outcome(3));
    await turns();
    later.push(outcome(4));
    await turns();
    expect(countRows(path)).toBe(2);
    expect(calls).toHaveLength(2);
    calls[1]!(null);
    await first;
    // Once it returns, they commit together (one COMMIT, one flush), and are told only after that flush.
    await turns(8);
    expect(countRows(path)).toBe(5);
    expect(calls).toHaveLength(3);
    expect(acknowledged).toEqual([1]);
    calls[2]!(null);
    await Promise.all(later);
    expect(acknowledged).toEqual([1, 2, 3, 4]);
    expect(calls).toHaveLength(3);
    c.close();
  });

  it('rejects the writes of a group whose flush failed', async () => {
    const path = freshPath();
    const { flush, calls } = heldFlush();
    const c = openFull(path, flush);
    createTable(c);
    const write = c.write(() => c.run('INSERT INTO t VALUES (1)'));
    await turns();
    calls[0]!(new Error('EIO: disk gone'));
    await expect(write).rejects.toThrow('EIO: disk gone');
    c.close();
  });

  it('drained() waits for the flush, so close() after it loses nothing', async () => {
    const path = freshPath();
    const { flush, calls } = heldFlush();
    const c = openFull(path, flush);
    createTable(c);
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
    expect(countRows(path)).toBe(1);
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
    createTable(memory);
    await memory.write(() => memory.run('INSERT INTO t VALUES (1)'));
    memory.close();
    const normal = new SqliteConnection({
      path: freshPath(),
      busyTimeoutMs: 1000,
      synchronous: 'normal',
      flush,
    });
    createTable(normal);
    await normal.write(() => normal.run('INSERT INTO t VALUES (1)'));
    normal.close();
    expect(calls).toHaveLength(0);
  });
});
