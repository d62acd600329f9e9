import type { DatabaseSync } from 'node:sqlite';
import type { SqlDialect } from '../../sql/codec.js';
import { GroupCommit, type QueuedWrite } from '../../sql/group-commit.js';
import { SqliteStatements, type SqlRow } from '../statements.js';
import type { WriteLock } from '../write-thread/lock.js';
import { type GroupRun, settleAfterFlush, settleNow, type Write, type WriteKind } from './acknowledgement.js';
import { Checkpointer } from './checkpointer.js';
import { ClaimGate } from './claim-gate.js';
import { isFilePath, openDatabase } from './open-file.js';
import { type Flush, WalSync } from './wal-sync.js';

export type { SqlParam, SqlRow } from '../statements.js';

export const sqliteDialect: SqlDialect = {
  bool: (value) => (value ? 1 : 0),
  parseJson: (value) => JSON.parse(String(value)),
};

/** What {@link SqliteConnection} opens with; see `SqliteStorageOptions`. */
export interface SqliteConnectionOptions {
  path: string;
  busyTimeoutMs: number;
  synchronous: 'full' | 'normal';
  /** How the WAL file is flushed (tests observe it); `fs.fdatasync` by default. */
  flush?: Flush;
  /** Shared with the process's other connection to the file, when a write thread runs (see `WriteLock`). */
  lock?: WriteLock;
}

/**
 * How long outcomes (see {@link WriteKind}) wait for one another before they commit, when deliveries are
 * flowing. An outcome committed while the WAL's flush runs would wait for that flush and then for its own:
 * it waits instead until that flush returns (its acknowledgement is no later, bar the COMMIT itself), then
 * `turns` turns of the event loop more, so that the answers read meanwhile share its commit. On an idle
 * loop those turns take microseconds; on a busy one each brings a poll phase of answers. A claim or a durable
 * write commits at the next turn as before, and takes the outcomes queued with it. Fewer, larger commits
 * write the pages they share (the table's and indexes' last pages) once per group instead of once per
 * commit, with fewer COMMITs, flushes and checkpoints.
 */
const OUTCOME_GATHER = { turns: 4, size: 256 };

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
  readonly #statements: SqliteStatements;
  /**
   * Outcomes gather while the WAL's flush runs, and a few turns after it (see {@link OUTCOME_GATHER}); claims
   * and durable writes commit at the next turn, taking the outcomes queued with them. Without a flush of
   * ours (`synchronous: 'normal'`, `:memory:`, a `file:` URI) every write commits at the next turn.
   */
  readonly #writes = new GroupCommit<Write>((group) => this.#commitGroup(group), 500, undefined, {
    ...OUTCOME_GATHER,
    mayWait: (write) => write.kind === 'outcome' && this.#wal !== null,
    waiting: () => this.#wal?.flushing === true,
  });
  /** Flushes the WAL after commits, for `synchronous: 'full'` on a file. */
  readonly #wal: WalSync | null;
  /** Checkpoints the WAL off the event loop, for a file. */
  readonly #checkpointer: Checkpointer | null;
  /** When claims may resolve: once the commits they may have read are flushed. */
  readonly #gate = new ClaimGate();
  /** `PRAGMA data_version` as last read in a claim: other connections' commits change it. */
  #seenVersion: number | null = null;
  /** `PRAGMA data_version` as read in the current write transaction (null: not read in it yet). */
  #writeVersion: number | null = null;
  readonly #lock: WriteLock | null;

  constructor({ path, busyTimeoutMs, synchronous, flush, lock }: SqliteConnectionOptions) {
    this.#lock = lock ?? null;
    const file = isFilePath(path);
    this.db = openDatabase(path, busyTimeoutMs);
    this.#statements = new SqliteStatements(this.db);
    // 'full': an acknowledged write (a job, an outbox message) survives power loss as well as a process
    // crash; 'normal' only the crash. SQLite's own FULL fsyncs the WAL inside COMMIT, blocking the event loop
    // for the disk at every group; on a file, WalSync flushes it off the event loop instead, with SQLite on
    // NORMAL (commits written, not flushed), and acknowledges a write only after the flush. A `file:` URI
    // (whose WAL path is not known here) keeps SQLite's FULL.
    this.#wal = file && synchronous === 'full' ? new WalSync(`${path}-wal`, flush) : null;
    const pragma = synchronous === 'normal' || this.#wal !== null ? 'NORMAL' : 'FULL';
    this.db.exec(`PRAGMA synchronous = ${pragma}`);
    // Checkpoints (copying the WAL into the file, with two fsyncs) run on a worker thread, not inside the
    // COMMIT that crosses wal_autocheckpoint (see Checkpointer).
    this.#checkpointer = file
      ? new Checkpointer(path, busyTimeoutMs, {
          holdWrites: () => this.#holdWrites(),
          fallback: () => {
            if (this.db.isOpen) this.db.exec('PRAGMA wal_autocheckpoint = 1000');
          },
        })
      : null;
    if (this.#checkpointer !== null) this.db.exec('PRAGMA wal_autocheckpoint = 0');
  }

  /**
   * For the checkpoint's RESTART phase, which keeps writers out: this connection's groups are held back. With
   * a write thread, the process's write lock is taken too: on the write thread (which may block) at once, so
   * that the main thread's connection waits for the lock asynchronously rather than sleeping in busy_timeout;
   * on the main thread asynchronously, and the RESTART waits for it: a group of the main thread's that was
   * already waiting for the lock (past the hold) would otherwise begin its transaction during the RESTART,
   * and meet SQLite's lock in busy_timeout (sleeping the event loop, or failing at once with 0), as the
   * write thread's transactions would.
   */
  #holdWrites(): (() => void) | Promise<() => void> {
    const release = this.#writes.hold();
    const lock = this.#lock;
    if (lock === null) return release;
    const both = (unlock: () => void) => () => {
      unlock();
      release();
    };
    return lock.onWorker ? both(lock.hold()) : lock.holdAsync().then(both);
  }

  all(sql: string, params: unknown[] = []): SqlRow[] {
    return this.#statements.all(sql, params);
  }

  /** As {@link all}, each row an array of its values in the statement's column order (see `SqliteStatements`). */
  values(sql: string, params: unknown[] = []): unknown[][] {
    return this.#statements.values(sql, params);
  }

  get(sql: string, params: unknown[] = []): SqlRow | undefined {
    return this.#statements.get(sql, params);
  }

  /** Runs a write; returns how many rows it changed. */
  run(sql: string, params: unknown[] = []): number {
    return this.#statements.run(sql, params);
  }

  /**
   * Runs `fn` atomically on the next group commit; resolves with its result once that transaction has
   * committed and is on disk, or rejects with what `fn` threw (its changes rolled back, the group's others
   * kept) or with the commit's or flush's error (nothing of the group acknowledged).
   *
   * `kind` (see {@link WriteKind}) says what a claim must wait for. A `'claim'` resolves without waiting for
   * its own flush (a lease lost in a power cut only makes the items claimable again), but never before the
   * writes it may have read are on disk: the `'durable'` writes this connection committed before it, and
   * whatever other connections (processes) had committed, which it cannot tell apart and so flushes. A
   * delivery is thus never attempted, nor a job run, on the strength of a commit a power cut could still undo.
   */
  write<T>(fn: () => T, kind: WriteKind = 'durable'): Promise<T> {
    return this.#writes.push<T>({ work: fn, kind });
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
    if (this.#lock === null) return this.#transaction(fn);
    // Rare (migrations): blocking for the write thread's transaction in progress is short.
    const unlock = this.#lock.hold();
    try {
      return this.#transaction(fn);
    } finally {
      unlock();
    }
  }

  #transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    this.#writeVersion = null;
    try {
      const result = fn();
      this.db.exec('COMMIT');
      if (this.#wal !== null) {
        this.#wal.flushNow();
        // Everything committed so far is on disk now.
        this.#gate.flushed(null);
      }
      return result;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  #commitGroup(group: QueuedWrite<Write>[]): void | Promise<void> {
    const lock = this.#lock;
    if (lock === null) return this.#settle(group, this.#run(group));
    // The lock is held for the transaction only, not for the flush after it.
    const run = lock.run(() => this.#run(group));
    if (!(run instanceof Promise)) return this.#settle(group, run);
    return run.then((result) => this.#settle(group, result));
  }

  #run(group: QueuedWrite<Write>[]): GroupRun {
    // Most groups write without a failure: run them whole first, without a savepoint per write (two
    // statements each); if one write throws, undo the group and run it again with savepoints, so that only
    // that write fails. Writes are statements over the storage's state, so running one again is the same.
    return this.#runGroup(group, false) ?? this.#runGroup(group, true)!;
  }

  #settle(group: QueuedWrite<Write>[], run: GroupRun): void {
    if (this.#wal === null) settleNow(group, run);
    // Once the flush is over, the outcomes that waited for it may commit (see OUTCOME_GATHER).
    else settleAfterFlush(group, run, this.#wal, this.#gate, () => this.#writes.resume());
  }

  /**
   * Runs the group's writes in one transaction and commits it. Without `savepoints`, as soon as one write
   * throws, rolls everything back and returns null (or that write's failure, when it is the group's only
   * one); with them, each write is in its own savepoint and a write that throws is rolled back alone. Throws when the transaction as a whole fails (nothing of the
   * group written).
   */
  #runGroup(group: QueuedWrite<Write>[], savepoints: boolean): GroupRun | null {
    const results: GroupRun['results'] = [];
    this.#statements.prepare('BEGIN IMMEDIATE').run();
    this.#writeVersion = null;
    let foreign = false;
    try {
      for (const write of group) {
        if (!savepoints) {
          try {
            results.push({ ok: true, value: write.work.work() });
          } catch (error) {
            if (this.db.isTransaction) this.db.exec('ROLLBACK');
            // A write alone needs no savepoint to fail alone.
            return group.length === 1 ? { results: [{ ok: false, error }], foreign: false } : null;
          }
          continue;
        }
        this.#statements.prepare('SAVEPOINT cronhook_write').run();
        try {
          results.push({ ok: true, value: write.work.work() });
          this.#statements.prepare('RELEASE cronhook_write').run();
        } catch (error) {
          this.#statements.prepare('ROLLBACK TO cronhook_write').run();
          this.#statements.prepare('RELEASE cronhook_write').run();
          results.push({ ok: false, error });
        }
      }
      // What another connection committed may not be flushed yet: its process acknowledges it only after
      // its own flush. A claim that may have read such rows waits for a flush of its own.
      if (this.#wal !== null && group.some((w) => w.work.kind === 'claim')) {
        const version = this.versionInWrite();
        foreign = version !== this.#seenVersion;
        this.#seenVersion = version;
      }
      if (results.every((r) => !r.ok)) this.db.exec('ROLLBACK');
      else {
        // Prepared once, as the statements of the writes are: db.exec() parses its text at every group.
        this.#statements.prepare('COMMIT').run();
        this.#checkpointer?.committed();
      }
    } catch (error) {
      // The transaction as a whole failed (commit, I/O, lock): nothing of the group was written.
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
    return { results, foreign };
  }

  /**
   * `PRAGMA data_version`: changes whenever another connection has committed to the file since the last
   * read, never for this connection's own commits (see `SqliteChangeWatcher`).
   */
  dataVersion(): number {
    return Number(this.#statements.prepare('PRAGMA data_version').get()?.data_version);
  }

  /**
   * {@link dataVersion} inside a write, read once per transaction: no other connection can commit while this
   * one holds the write lock, so it is what it was at `BEGIN IMMEDIATE` until the transaction ends.
   */
  versionInWrite(): number {
    this.#writeVersion ??= this.dataVersion();
    return this.#writeVersion;
  }

  /** Closes the file; resolves once the checkpoint worker has let go of it too. */
  close(): Promise<void> {
    const worker = this.#checkpointer?.close() ?? Promise.resolve();
    this.#wal?.close();
    this.#statements.clear();
    if (this.db.isOpen) this.db.close();
    return worker;
  }
}
