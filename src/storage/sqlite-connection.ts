import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqlDialect } from './sql/codec.js';

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
}

/**
 * One `DatabaseSync` connection: the only writer of this storage in this process. Every statement runs
 * synchronously, so nothing else in the process interleaves with a transaction; `BEGIN IMMEDIATE` takes the
 * write lock up front so that other processes on the same file wait (busy_timeout) instead of failing on a
 * read-to-write lock upgrade halfway through a claim.
 */
export class SqliteConnection {
  readonly db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor({ path, busyTimeoutMs, synchronous }: SqliteConnectionOptions) {
    if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path, { timeout: busyTimeoutMs });
    this.db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    this.db.exec('PRAGMA journal_mode = WAL');
    // FULL fsyncs the WAL at every commit, so an acknowledged write (a job, an outbox message) survives power
    // loss as well as a process crash; NORMAL only survives the crash. One fsync per commit is cheap in WAL.
    this.db.exec(`PRAGMA synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
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

  /** Runs `fn` in a write transaction, rolling back when it throws. */
  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  close(): void {
    this.#statements.clear();
    if (this.db.isOpen) this.db.close();
  }
}

function toParams(params: unknown[]): SqlParam[] {
  return params.map((p) => (p === undefined ? null : (p as SqlParam)));
}
