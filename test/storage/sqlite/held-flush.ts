import { DatabaseSync } from 'node:sqlite';
import { SqliteConnection } from '../../../src/storage/sqlite/connection/connection.js';
import type { Flush } from '../../../src/storage/sqlite/connection/wal-sync.js';
import { flushPromises } from '../../../src/testing/fake-clock.js';

// A WAL flush the test holds, for the tests of synchronous: 'full' (wal-sync.test.ts, claim-flush.test.ts).

/**
 * A flush the test completes by hand, recording each call.
 * @example const { flush, calls } = heldFlush(); const c = openFull(path, flush); ...; calls.shift()!(null);
 */
export function heldFlush() {
  const calls: Array<(error: Error | null) => void> = [];
  const flush: Flush = (_fd, done) => void calls.push(done);
  return { flush, calls };
}

/** Lets queued group commits (setImmediate) and their callbacks run. */
export async function turns(count = 3): Promise<void> {
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await flushPromises();
  }
}

/** A connection on `path` with synchronous: 'full' whose WAL flush is `flush`. */
export const openFull = (path: string, flush: Flush) =>
  new SqliteConnection({ path, busyTimeoutMs: 1000, synchronous: 'full', flush });

/** Creates the table the tests write, t (v INTEGER). */
export const createTable = (c: SqliteConnection) => c.db.exec('CREATE TABLE t (v INTEGER)');

/** The rows of table t that another connection sees. */
export function countRows(path: string): number {
  const peek = new DatabaseSync(path, { readOnly: true });
  const rows = Number(peek.prepare('SELECT count(*) AS n FROM t').get()?.n);
  peek.close();
  return rows;
}
