import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqlDialect } from '../sql/codec.js';
import { GroupCommit, type QueuedWrite } from '../sql/group-commit.js';
import { type Flush, WalSync } from './wal-sync.js';

export type SqlParam = SQLInputValue;
export type SqlRow = Record<string, unknown>;

export const sqliteDialect: SqlDialect = {
  bool: (value) => (value ? 1 : 0),
  parseJson: (value) => JSON.parse(String(value)),
};

/** What {@link SqliteConnection} opens with; see `SqliteStorageOptions`. */
export interface SqliteConnectionOptions {
  path: string;
  busyTimeoutMs: number;
  synchronous: 'full' | 'normal';
  /** How the WAL file is flushed (tests observe it); `fs.fsync` by default. */
  flush?: Flush;
}

interface Write {
  work: () => unknown;
  /** False: settled once committed, without waiting for the WAL's flush (see {@link SqliteConnection.write}). */
  durable: boolean;
}

/**
 * One `DatabaseSync` connection: the only writer of this storage in this process. Every statement runs
 * synchronously, so nothing else in the process interleaves with a transaction; `BEGIN IMMEDIATE` takes the
 * write lock up front so that other processes on the same file wait (busy_timeout) instead of failing on a
 * read-to-write lock upgrade halfway through a claim.
 *
 * Writes go through {@link write}: those queued within one turn of the event loop share one transaction
 * (group commit), each in its own savepoint, so a commit is paid once per group rather than once per write,
 * and one failing write does not undo the others. With `synchronous: 'full'` on a file, the WAL's fsync runs
 * off the event loop (see `WalSync`): a write resolves once the flush that follows its commit has returned,
 * and the next group commits meanwhile.
 */
export class SqliteConnection {
  readonly db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  readonly #writes = new GroupCommit<Write>((group) => this.#commitGroup(group));
  /** Flushes the WAL after commits, for `synchronous: 'full'` on a file. */
  readonly #wal: WalSync | null;

  constructor({ path, busyTimeoutMs, synchronous, flush }: SqliteConnectionOptions) {
    const file = path !== ':memory:' && !path.startsWith('file:');
    if (file) {
      mkdirSync(dirname(path), { recursive: true });
      createPrivately(path);
    }
    this.db = new DatabaseSync(path, { timeout: busyTimeoutMs });
    this.db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    this.db.exec('PRAGMA journal_mode = WAL');
    // 'full': an acknowledged write (a job, an outbox message) survives power loss as well as a process
    // crash; 'normal' only the crash. SQLite's own FULL fsyncs the WAL inside COMMIT, blocking the event loop
    // for the disk at every group; on a file, WalSync flushes it off the event loop instead, with SQLite on
    // NORMAL (commits written, not flushed), and acknowledges a write only after the flush. A `file:` URI
    // (whose WAL path is not known here) keeps SQLite's FULL.
    this.#wal = file && synchronous === 'full' ? new WalSync(`${path}-wal`, flush) : null;
    const pragma = synchronous === 'normal' || this.#wal !== null ? 'NORMAL' : 'FULL';
    this.db.exec(`PRAGMA synchronous = ${pragma}`);
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  all(sql: string, params: unknown[] = []): SqlRow[] {
    return this.#prepare(sql).all(...toParams(params)) as SqlRow[];
  }

  get(sql: string, params: unknown[] = []): SqlRow | undefined {
    return this.#prepare(sql).get(...toParams(params)) as SqlRow | undefined;
  }

  /** Runs a write; returns how many rows it changed. */
  run(sql: string, params: unknown[] = []): number {
    return Number(this.#prepare(sql).run(...toParams(params)).changes);
  }

  /**
   * Runs `fn` atomically on the next group commit; resolves with its result once that transaction has
   * committed and is on disk, or rejects with what `fn` threw (its changes rolled back, the group's others
   * kept) or with the commit's or flush's error (nothing of the group acknowledged). With `durable: false`
   * it resolves once committed, without waiting for the flush: for writes whose loss in a power cut is
   * harmless, such as a claim's lease (the item is claimed again), so that a claim never waits for the disk.
   */
  write<T>(fn: () => T, { durable = true }: { durable?: boolean } = {}): Promise<T> {
    return this.#writes.push<T>({ work: fn, durable });
  }

  /** Resolves once every queued write has been committed and flushed, or has failed. */
  async drained(): Promise<void> {
    await this.#writes.drained();
    await this.#wal?.drained();
  }

  /**
   * Runs `fn` in a write transaction now, rolling back when it throws. Inside a {@link write} it just runs
   * `fn`: the write's savepoint already makes it atomic.
   */
  transaction<T>(fn: () => T): T {
    if (this.db.isTransaction) return fn();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      this.#wal?.flushNow();
      return result;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  #commitGroup(group: QueuedWrite<Write>[]): void {
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const write of group) {
        if (group.length === 1) {
          results.push({ ok: true, value: write.work.work() });
          continue;
        }
        this.#prepare('SAVEPOINT cronhook_write').run();
        try {
          results.push({ ok: true, value: write.work.work() });
          this.#prepare('RELEASE cronhook_write').run();
        } catch (error) {
          this.#prepare('ROLLBACK TO cronhook_write').run();
          this.#prepare('RELEASE cronhook_write').run();
          results.push({ ok: false, error });
        }
      }
      if (results.every((r) => !r.ok)) this.db.exec('ROLLBACK');
      else this.db.exec('COMMIT');
    } catch (error) {
      // The transaction as a whole failed (commit, I/O, lock): nothing of the group was written.
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
    // Durable writes wait for the flush that covers this commit; the next group may commit meanwhile.
    const flushed: Array<[QueuedWrite<Write>, unknown]> = [];
    results.forEach((result, i) => {
      const write = group[i]!;
      if (!result.ok) write.reject(result.error);
      else if (this.#wal === null || !write.work.durable) write.resolve(result.value);
      else flushed.push([write, result.value]);
    });
    if (flushed.length === 0) return;
    this.#wal!.afterCommit((error) => {
      for (const [write, value] of flushed) {
        if (error === null) write.resolve(value);
        else write.reject(error);
      }
    });
  }

  /**
   * `PRAGMA data_version`: changes whenever another connection has committed to the file since the last
   * read, never for this connection's own commits (see `SqliteChangeWatcher`).
   */
  dataVersion(): number {
    return Number(this.#prepare('PRAGMA data_version').get()?.data_version);
  }

  close(): void {
    this.#wal?.close();
    this.#statements.clear();
    if (this.db.isOpen) this.db.close();
  }
}

function toParams(params: unknown[]): SqlParam[] {
  return params.map((p) => (p === undefined ? null : (p as SqlParam)));
}

/**
 * Creates the database file, when it does not exist yet, readable and writable by its owner only (0600): it
 * holds endpoint URLs, webhook bodies and, unless encrypted, secrets. SQLite gives the WAL and shared-memory
 * files it creates beside it the same mode. An existing file keeps the mode it has.
 */
function createPrivately(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
