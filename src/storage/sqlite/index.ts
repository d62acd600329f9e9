import { CronhookError, describeValue } from '../../errors.js';
import { schemaOutdated, schemaTooNew, storageError } from '../errors.js';
import { SplitStorage } from '../sql/split-storage.js';

export type { SplitStorage };

import type { StatsInput, Storage, StorageChange, StorageStats } from '../types.js';
import { SqliteChangeWatcher } from './connection/changes.js';
import { SqliteConnection } from './connection/connection.js';
import { SqliteJobs } from './jobs.js';
import { SqliteOutbox } from './outbox.js';
import { SQLITE_SCHEMA_VERSION, sqliteMigrations } from './schema.js';
import { sqliteStats } from './stats.js';
import { WriteLock } from './write-thread/lock.js';
import { ThreadedOutbox } from './write-thread/outbox.js';
import { WriteThread, writeThreadAvailable } from './write-thread/thread.js';

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
   * Set when other processes RUN jobs or send webhooks from the same file at the same time (a second app
   * process with its own scheduler or notifier): the scheduler and notifier then also poll every
   * `pollIntervalMs`, take over runs of an instance that died, and judge `overlap` across instances. Not
   * needed just to see other processes' writes (the `cronhook` CLI adding or pausing jobs): those are
   * noticed within `watchIntervalMs` either way. @default false
   */
  shared?: boolean;
  /**
   * While the scheduler or notifier is subscribed, how often the file is checked for commits made by other
   * processes (`PRAGMA data_version`, a few microseconds per check), which then wake them at once. Lower it
   * for a faster reaction, raise it to wake an idle process less often; each change noticed costs the
   * subscribers one look at the storage. Ignored for `':memory:'`, which no other process can reach.
   * @default 250
   * @example new SqliteStorage({ path: './data/cronhook.db', watchIntervalMs: 1_000 })
   */
  watchIntervalMs?: number;
  /**
   * Migrate the schema on first use: the first call of any method (or of `ready()`) creates or upgrades the
   * tables, once, whichever process gets there first. `false` never changes the schema: first use then only
   * checks it and fails with `ERR_SCHEMA_OUTDATED` until `migrate()` has been run (in a deploy step, say).
   * @default true
   * @example new SqliteStorage({ path: '/var/lib/app/cronhook.db', autoMigrate: false })
   */
  autoMigrate?: boolean;
  /**
   * Where the outbox's writes run (storing messages, claiming deliveries, recording attempts' outcomes):
   * `'main'` on the event loop, as every other statement; `'worker'` on a worker thread with a connection of
   * its own to the file, so that their statements and commits leave the app's event loop free (the main
   * thread's CPU per delivery falls by about 30%), at the price of more CPU in all (the thread's own work,
   * and copying calls and answers between threads: about 35% more per delivery) and a thread hop per write.
   * Choose `'worker'` when the event loop's time matters more than the process's CPU, with a core to spare:
   * on a busy 2-core machine it did not deliver more webhooks per second. Reads, and the scheduler's and
   * endpoints' writes, stay on the main thread either way; durability is the same (a write resolves once
   * committed and flushed). Should the thread fail, the writes waiting for it reject with `ERR_STORAGE` and
   * later ones run on the main thread. `'worker'` needs a file (not `':memory:'`) and cronhook's own files
   * (not cronhook bundled into an app: the thread would load the whole bundle).
   * @default 'main'
   * @example new SqliteStorage({ path: './data/cronhook.db', writeThread: 'worker' })
   */
  writeThread?: 'worker' | 'main';
}

/**
 * Default of {@link SqliteStorageOptions.watchIntervalMs}. A check costs a few microseconds, so four a second
 * are free; a change made with the CLI is picked up before a person looks for it; and a process that writes
 * all the time still wakes this one's scheduler and notifier at most four times a second.
 */
const WATCH_INTERVAL_MS = 250;

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
  readonly #thread: WriteThread | null;
  readonly #path: string;
  readonly #autoMigrate: boolean;
  readonly #watcher: SqliteChangeWatcher | undefined;

  constructor(options: SqliteStorageOptions) {
    const path = options?.path;
    if (typeof path !== 'string' || path === '') {
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        `SqliteStorage: path must be a file path or ':memory:', got ${describeValue(path)}`,
        { field: 'path' },
      );
    }
    // A connection string passed by mistake (DATABASE_URL) would become folders named after its password and
    // a new, empty SQLite database; it is refused without being repeated. SQLite's own `file:` URIs still work.
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(path)?.[1];
    if (scheme !== undefined && scheme.toLowerCase() !== 'file') {
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        `SqliteStorage: path must be a file path or ':memory:', not a ${scheme}:// URL (not shown: a ` +
          'connection string may hold a password); for Postgres use PostgresStorage',
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
    if (options.autoMigrate !== undefined && typeof options.autoMigrate !== 'boolean') {
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        `SqliteStorage: autoMigrate must be true or false, got ${describeValue(options.autoMigrate)}`,
        { field: 'autoMigrate' },
      );
    }
    const watchIntervalMs = options.watchIntervalMs ?? WATCH_INTERVAL_MS;
    if (!Number.isInteger(watchIntervalMs) || watchIntervalMs < 10 || watchIntervalMs > 60_000) {
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        `SqliteStorage: watchIntervalMs must be a whole number of milliseconds from 10 to 60000, got ${describeValue(watchIntervalMs)}`,
        { field: 'watchIntervalMs' },
      );
    }
    const writeThread = options.writeThread ?? 'main';
    if (writeThread !== 'worker' && writeThread !== 'main') {
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        `SqliteStorage: writeThread must be 'worker' or 'main', got ${describeValue(writeThread)}`,
        { field: 'writeThread' },
      );
    }
    if (writeThread === 'worker' && path === ':memory:') {
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        "SqliteStorage: writeThread 'worker' needs a file: a ':memory:' database is private to one connection",
        { field: 'writeThread' },
      );
    }
    if (writeThread === 'worker' && !writeThreadAvailable()) {
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        "SqliteStorage: writeThread 'worker' needs cronhook's own files (its package's dist/), not a copy " +
          "bundled into an app: the thread would load the whole bundle. Use writeThread: 'main'",
        { field: 'writeThread' },
      );
    }
    const lock = writeThread === 'worker' ? new WriteLock() : null;
    let connection: SqliteConnection;
    try {
      connection = new SqliteConnection({
        path,
        busyTimeoutMs,
        synchronous,
        ...(lock === null ? {} : { lock }),
      });
    } catch (error) {
      throw storageError(error, `open ${path}`);
    }
    const thread = lock === null ? null : new WriteThread({ path, busyTimeoutMs, synchronous }, lock);
    super(
      new SqliteJobs(connection),
      thread ? new ThreadedOutbox(connection, thread) : new SqliteOutbox(connection),
    );
    this.#thread = thread;
    this.#c = connection;
    this.shared = options.shared ?? false;
    this.#path = path;
    this.#autoMigrate = options.autoMigrate ?? true;
    this.#watcher = path === ':memory:' ? undefined : new SqliteChangeWatcher(connection, watchIntervalMs);
  }

  /**
   * Tells `listener` of commits made to the file by other processes (or other `SqliteStorage` objects), within
   * `watchIntervalMs`. SQLite cannot say what they changed, so each is reported as both `'jobs'` and
   * `'deliveries'`. This storage's own writes are not reported: the scheduler and notifier that made them
   * already know. The check runs on an unref'd timer only while anyone is subscribed. The scheduler and
   * notifier subscribe on `start()`; call it yourself only to react to other processes' writes.
   * @example const unsubscribe = await storage.subscribe((change) => log.debug('storage changed', { change }));
   */
  subscribe(listener: (change: StorageChange) => void): Promise<() => void> {
    const watcher = this.#watcher;
    if (watcher === undefined) return Promise.resolve(() => {});
    return this.direct('subscribe to changes', () => watcher.subscribe(listener));
  }

  /**
   * Applies the migrations this version knows and the database lacks, in one transaction. Refuses a
   * database migrated by a newer cronhook with `ERR_SCHEMA_TOO_NEW`, changing nothing. Not needed before
   * use (see `autoMigrate`), and a no-op on a current schema.
   * @example await storage.migrate(); // a deploy step, for a storage opened with autoMigrate: false
   */
  async migrate(): Promise<void> {
    await this.direct('migrate', () =>
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
    this.markReady();
  }

  protected prepare(): Promise<void> {
    if (this.#autoMigrate) return this.migrate();
    return this.direct('check the schema version', () => {
      const table = this.#c.get(
        "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'cronhook_migrations'",
      );
      const current = table
        ? Number(this.#c.get('SELECT COALESCE(MAX(version), 0) AS v FROM cronhook_migrations')?.v)
        : 0;
      if (current > SQLITE_SCHEMA_VERSION) throw schemaTooNew(current, SQLITE_SCHEMA_VERSION, this.#path);
      if (current < SQLITE_SCHEMA_VERSION) throw schemaOutdated(current, SQLITE_SCHEMA_VERSION, this.#path);
    });
  }

  /**
   * Counts for the dashboard's overview and telemetry gauges, each over an index (see `Storage.stats`).
   * @example const { jobs, deliveries } = await storage.stats({ now: new Date() });
   */
  stats(input: StatsInput): Promise<StorageStats> {
    return this.op('count for stats', () => sqliteStats(this.#c, input));
  }

  /** Waits for the writes already made, then closes the file. */
  async close(): Promise<void> {
    this.#watcher?.close();
    await this.#thread?.close();
    await this.#c.drained();
    await this.#c.close();
  }
}
