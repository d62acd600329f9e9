import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteConnection } from '../../../src/storage/sqlite/connection.js';
import { SqliteOutbox } from '../../../src/storage/sqlite/outbox.js';
import { sqliteMigrations } from '../../../src/storage/sqlite/schema.js';
import { type Flush, WalSync } from '../../../src/storage/sqlite/wal-sync.js';
import { flushPromises } from '../../../src/testing/fake-clock.js';
import { at, delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';

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

  /** A connection with table t and a row in it, past its first claim and that claim's flush. */
  async function opened() {
    const path = freshPath();
    const { flush, calls } = heldFlush();
    const c = open(path, flush);
    setup(c);
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
    expect(count(path)).toBe(4);
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
    expect(count(path)).toBe(2);
    expect(calls).toHaveLength(2);
    calls[1]!(null);
    await first;
    // Once it returns, they commit together (one COMMIT, one flush), and are told only after that flush.
    await turns(8);
    expect(count(path)).toBe(5);
    expect(calls).toHaveLength(3);
    expect(acknowledged).toEqual([1]);
    calls[2]!(null);
    await Promise.all(later);
    expect(acknowledged).toEqual([1, 2, 3, 4]);
    expect(calls).toHaveLength(3);
    c.close();
  });

  it('a claim returns only once the durable writes it may have read are flushed (same connection)', async () => {
    const path = freshPath();
    const { flush, calls } = heldFlush();
    const c = open(path, flush);
    setup(c);
    const opening = c.write(() => 0, 'claim');
    await turns();
    calls.shift()!(null);
    await opening;
    // A publish: committed, visible to the next claim, but its flush has not returned.
    const events: string[] = [];
    const publish = c.write(() => c.run('INSERT INTO t VALUES (1)')).then(() => events.push('published'));
    await turns();
    expect(count(path)).toBe(1);
    const claim = c
      .write(() => c.all('SELECT v FROM t'), 'claim')
      .then((rows) => {
        events.push(`claimed ${rows.length}`);
      });
    await turns();
    // The claim committed (it read the row) but must not hand it out before the row is on disk.
    expect(events).toEqual([]);
    calls.shift()!(null);
    await Promise.all([publish, claim]);
    expect(events).toEqual(['published', 'claimed 1']);
    c.close();
  });

  it('a claim flushes what another connection (another process) committed but has not flushed yet', async () => {
    const path = freshPath();
    const mine = heldFlush();
    const theirs = heldFlush();
    const c = open(path, mine.flush);
    setup(c);
    const other = open(path, theirs.flush);
    const opening = c.write(() => 0, 'claim');
    await turns();
    mine.calls.shift()!(null);
    await opening;
    // The other process publishes; its flush is still running when this one claims.
    void other.write(() => other.run('INSERT INTO t VALUES (1)'));
    await turns();
    expect(theirs.calls).toHaveLength(1);
    let claimed: unknown[] | null = null;
    const claim = c
      .write(() => c.all('SELECT v FROM t'), 'claim')
      .then((rows) => {
        claimed = rows;
      });
    await turns();
    // It saw the other connection's commit: it flushes the file itself before returning the row.
    expect(mine.calls).toHaveLength(1);
    expect(claimed).toBeNull();
    mine.calls.shift()!(null);
    await claim;
    expect(claimed).toHaveLength(1);
    // Nothing new from elsewhere: the next claim does not flush again.
    await c.write(() => c.all('SELECT v FROM t'), 'claim');
    expect(mine.calls).toHaveLength(0);
    theirs.calls.shift()!(null);
    other.close();
    c.close();
  });

  it('a claim whose flush failed is rejected, and an empty claim does not wait', async () => {
    const path = freshPath();
    const { flush, calls } = heldFlush();
    const c = open(path, flush);
    setup(c);
    // The first claim owes a flush (other connections' commits), but it found nothing: it is not held.
    const empty = await c.write(() => [], 'claim');
    expect(empty).toEqual([]);
    expect(calls).toHaveLength(1);
    calls.shift()!(null);
    const publish = c.write(() => c.run('INSERT INTO t VALUES (1)'));
    await turns();
    const claim = c.write(() => c.all('SELECT v FROM t'), 'claim');
    await turns();
    calls.shift()!(new Error('EIO: disk gone'));
    await expect(publish).rejects.toThrow('EIO');
    await expect(claim).rejects.toThrow('EIO');
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

describe("SqliteOutbox with synchronous: 'full'", () => {
  it('claims a published delivery only once the flush covering its insert has returned', async () => {
    const path = freshPath();
    const { flush, calls } = heldFlush();
    const c = new SqliteConnection({ path, busyTimeoutMs: 1000, synchronous: 'full', flush });
    for (const migration of sqliteMigrations) c.db.exec(migration.sql);
    const outbox = new SqliteOutbox(c);
    const claim = () => outbox.claimDeliveries({ now: at(1), limit: 10, instanceId: 'i1', leaseMs: 60_000 });
    const endpointWritten = outbox.insertEndpoint(endpoint('ep1'));
    await turns();
    calls.shift()!(null);
    await endpointWritten;
    // Nothing pending yet: this claim finds nothing.
    expect(await claim()).toEqual([]);
    while (calls.length > 0) calls.shift()!(null);

    const events: string[] = [];
    const published = outbox
      .insertMessage({ message: message('m1'), deliveries: [delivery('d1', 'm1', 'ep1')] })
      .then(() => events.push('published'));
    await turns();
    expect(calls).toHaveLength(1); // committed, its flush running
    const claimed = claim().then((deliveries) => events.push(`claimed ${deliveries.map((d) => d.id)}`));
    await turns();
    // The claim committed its lease but does not hand out a delivery a power cut could still take back.
    expect(events).toEqual([]);
    calls.shift()!(null);
    await Promise.all([published, claimed]);
    expect(events).toEqual(['published', 'claimed d1']);
    c.close();
  });
});
