import { describe, expect, it } from 'vitest';
import { SqliteConnection } from '../../../src/storage/sqlite/connection/connection.js';
import { SqliteOutbox } from '../../../src/storage/sqlite/outbox.js';
import { sqliteMigrations } from '../../../src/storage/sqlite/schema.js';
import { at, delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';
import { countRows, createTable, heldFlush, openFull, turns } from './held-flush.js';

// With synchronous: 'full', a claim hands out only rows that are on disk: it waits for the flush of what it
// read, its own connection's or another's. Writes acknowledged after their flush: wal-sync.test.ts.

const temp = useTempDir('claim-flush');
const freshPath = () => temp.file('db.db');

describe("a claim on SqliteConnection with synchronous: 'full'", () => {
  it('a claim returns only once the durable writes it may have read are flushed (same connection)', async () => {
    const path = freshPath();
    const { flush, calls } = heldFlush();
    const c = openFull(path, flush);
    createTable(c);
    const opening = c.write(() => 0, 'claim');
    await turns();
    calls.shift()!(null);
    await opening;
    // A publish: committed, visible to the next claim, but its flush has not returned.
    const events: string[] = [];
    const publish = c.write(() => c.run('INSERT INTO t VALUES (1)')).then(() => events.push('published'));
    await turns();
    expect(countRows(path)).toBe(1);
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
    const c = openFull(path, mine.flush);
    createTable(c);
    const other = openFull(path, theirs.flush);
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
    const c = openFull(path, flush);
    createTable(c);
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
