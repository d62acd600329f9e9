import { CronhookError, describeValue } from '../errors.js';
import { schemaTooNew, storageError } from './errors.js';
import { SplitStorage } from './sql/split-storage.js';

export type { SplitStorage };

import { SQLITE_SCHEMA_VERSION, sqliteMigrations } from './sql/sqlite-schema.js';
import { SqliteConnection } from './sqlite-connection.js';
import { SqliteJobs } from './sqlite-jobs.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import type { Storage } from './types.js';

/** Options of `new SqliteStorage(...)`. */
export interface SqliteStorageOptions {
  /** Database file, created with its folder when missing; `':memory:'` for a private in-memory database. */
  path: string;
  /** How long to wait for another process's write lock before failing. @default 5_000 */
  busyTimeoutMs?: number;
  /**
   * `'full'` makes every acknowledged write survive power loss; `'normal'` only a process crash, for
   * somewhat faster commits. @default 'full'
   */
  synchronous?: 'full' | 'normal';
  /**
   * Set when other processes use the same file at the same time (a second app process, the `cronhook` CLI),
   * so that the scheduler and notifier poll for their changes. @default false
   */
  shared?: boolean;
}

/**
 * Keeps everything in one SQLite file through `node:sqlite` (no native addon): for one process, or a few
 * processes on one machine sharing the file. WAL mode, one connection that is this storage's only writer,
 * and `BEGIN IMMEDIATE` around every write, so a claim is atomic across processes. Writes made within one
 * turn of the event loop share that transaction and its fsync (group commit); each still resolves only once
 * committed, and fails or succeeds on its own.
 *
 * @example
 * import { SqliteStorage } from 'cronhook/storage/sqlite';
 * const storage = new SqliteStorage({ path: './data/cronhook.db' });
 * const scheduler = new Scheduler({ storage });
 */
export class SqliteStorage extends SplitStorage implements Storage {
  readonly shared: boolean;
  readonly #c: SqliteConnection;
  readonly #path: string;

  constructor(options: SqliteStorageOptions) {
    const path = options?.path;
    if (typeof path !== 'string' || path === '') {
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        `SqliteStorage: path must be a file path or ':memory:', got ${describeValue(path)}`,
        { field: 'path' },
      );
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        `SqliteStorage: busyTimeoutMs must be a whole number of milliseconds >= 0, got ${describeValue(busyTimeoutMs)}`,
        { field: 'busyTimeoutMs' },
      );
    }
    const synchronous = options.synchronous ?? 'full';
    if (synchronous !== 'full' && synchronous !== 'normal') {
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        `SqliteStorage: synchronous must be 'full' or 'normal', got ${describeValue(synchronous)}`,
        { field: 'synchronous' },
      );
    }
    if (options.shared !== undefined && typeof options.shared !== 'boolean') {
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        `SqliteStorage: shared must be true or false, got ${describeValue(options.shared)}`,
        { field: 'shared' },
      );
    }
    let connection: SqliteConnection;
    try {
      connection = new SqliteConnection({ path, busyTimeoutMs, synchronous });
    } catch (error) {
      throw storageError(error, `open ${path}`);
    }
    super(new SqliteJobs(connection), new SqliteOutbox(connection));
    this.#c = connection;
    this.shared = options.shared ?? false;
    this.#path = path;
  }

  /**
   * Applies the migrations this version knows and the database lacks, in one transaction. Refuses a
   * database migrated by a newer cronhook with `ERR_SCHEMA_TOO_NEW`, changing nothing.
   */
  migrate(): Promise<void> {
    return this.op('migrate', () =>
      this.#c.transaction(() => {
        this.#c.run(
          'CREATE TABLE IF NOT EXISTS cronhook_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT',
        );
        const current = Number(
          this.#c.get('SELECT COALESCE(MAX(version), 0) AS v FROM cronhook_migrations')?.v,
        );
        if (current > SQLITE_SCHEMA_VERSION) throw schemaTooNew(current, SQLITE_SCHEMA_VERSION, this.#path);
        for (const migration of sqliteMigrations) {
          if (migration.version <= current) continue;
          this.#c.db.exec(migration.sql);
          this.#c.run('INSERT INTO cronhook_migrations (version, name) VALUES (?, ?)', [
            migration.version,
            migration.name,
          ]);
        }
      }),
    );
  }

  /** Waits for the writes already made, then closes the file. */
  async close(): Promise<void> {
    await this.#c.drained();
    this.#c.close();
  }
}
