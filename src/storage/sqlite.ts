import { CronhookError, describeValue } from '../errors.js';
import type { DeliveryAttempt, DeliveryRecord, EndpointRecord, Message } from '../notifier/types.js';
import { schemaTooNew, storageError } from './errors.js';
import { SQLITE_SCHEMA_VERSION, sqliteMigrations } from './sql/sqlite-schema.js';
import { SqliteConnection } from './sqlite-connection.js';
import { SqliteJobs } from './sqlite-jobs.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import type {
  AdvanceJobInput,
  ClaimDeliveriesOptions,
  ClaimOptions,
  CompleteAttemptInput,
  JobRecord,
  ListDeliveriesOptions,
  ListJobsOptions,
  ListRunsOptions,
  RunRecord,
  Storage,
} from './types.js';

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
 * and `BEGIN IMMEDIATE` around every claim and every multi-row write, so a claim is atomic across processes.
 *
 * @example
 * import { SqliteStorage } from 'cronhook/storage/sqlite';
 * const storage = new SqliteStorage({ path: './data/cronhook.db' });
 * const scheduler = new Scheduler({ storage });
 */
export class SqliteStorage implements Storage {
  readonly shared: boolean;
  readonly #c: SqliteConnection;
  readonly #jobs: SqliteJobs;
  readonly #outbox: SqliteOutbox;
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
    this.shared = options.shared ?? false;
    this.#path = path;
    try {
      this.#c = new SqliteConnection({ path, busyTimeoutMs, synchronous });
    } catch (error) {
      throw storageError(error, `open ${path}`);
    }
    this.#jobs = new SqliteJobs(this.#c);
    this.#outbox = new SqliteOutbox(this.#c);
  }

  /** Runs a synchronous operation, turning driver errors into `ERR_STORAGE`. */
  async #op<T>(action: string, fn: () => T): Promise<T> {
    try {
      return fn();
    } catch (error) {
      throw storageError(error, action);
    }
  }

  /**
   * Applies the migrations this version knows and the database lacks, in one transaction. Refuses a
   * database migrated by a newer cronhook with `ERR_SCHEMA_TOO_NEW`, changing nothing.
   */
  migrate(): Promise<void> {
    return this.#op('migrate', () =>
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

  async close(): Promise<void> {
    this.#c.close();
  }

  // Jobs and runs: see SqliteJobs.

  insertJob(job: JobRecord): Promise<void> {
    return this.#op('insert a job', () => this.#jobs.insertJob(job));
  }
  updateJob(job: JobRecord): Promise<void> {
    return this.#op('update a job', () => this.#jobs.updateJob(job));
  }
  getJob(id: string): Promise<JobRecord | null> {
    return this.#op('read a job', () => this.#jobs.getJob(id));
  }
  listJobs(options?: ListJobsOptions): Promise<JobRecord[]> {
    return this.#op('list jobs', () => this.#jobs.listJobs(options));
  }
  deleteJob(id: string): Promise<boolean> {
    return this.#op('delete a job', () => this.#jobs.deleteJob(id));
  }
  nextDueAt(): Promise<Date | null> {
    return this.#op('find the next due job', () => this.#jobs.nextDueAt());
  }
  claimDueJobs(options: ClaimOptions): Promise<JobRecord[]> {
    return this.#op('claim due jobs', () => this.#jobs.claimDueJobs(options));
  }
  advanceJob(input: AdvanceJobInput): Promise<RunRecord[]> {
    return this.#op('advance a job', () => this.#jobs.advanceJob(input));
  }
  insertRun(run: RunRecord): Promise<boolean> {
    return this.#op('insert a run', () => this.#jobs.insertRun(run));
  }
  updateRun(run: RunRecord): Promise<void> {
    return this.#op('update a run', () => this.#jobs.updateRun(run));
  }
  getRun(id: string): Promise<RunRecord | null> {
    return this.#op('read a run', () => this.#jobs.getRun(id));
  }
  listRuns(options?: ListRunsOptions): Promise<RunRecord[]> {
    return this.#op('list runs', () => this.#jobs.listRuns(options));
  }
  renewRunLeases(input: { instanceId: string; runIds: string[]; until: Date }): Promise<void> {
    return this.#op('renew run leases', () => this.#jobs.renewRunLeases(input));
  }
  claimExpiredRuns(options: ClaimOptions): Promise<RunRecord[]> {
    return this.#op('claim expired runs', () => this.#jobs.claimExpiredRuns(options));
  }
  pruneRuns(input: { jobId: string; keep: number }): Promise<number> {
    return this.#op('prune runs', () => this.#jobs.pruneRuns(input));
  }

  // Endpoints and outbox: see SqliteOutbox.

  insertEndpoint(endpoint: EndpointRecord): Promise<void> {
    return this.#op('insert an endpoint', () => this.#outbox.insertEndpoint(endpoint));
  }
  updateEndpoint(endpoint: EndpointRecord): Promise<void> {
    return this.#op('update an endpoint', () => this.#outbox.updateEndpoint(endpoint));
  }
  getEndpoint(id: string): Promise<EndpointRecord | null> {
    return this.#op('read an endpoint', () => this.#outbox.getEndpoint(id));
  }
  listEndpoints(options?: { limit?: number; after?: string }): Promise<EndpointRecord[]> {
    return this.#op('list endpoints', () => this.#outbox.listEndpoints(options));
  }
  deleteEndpoint(id: string): Promise<boolean> {
    return this.#op('delete an endpoint', () => this.#outbox.deleteEndpoint(id));
  }
  insertMessage(input: { message: Message; deliveries: DeliveryRecord[] }): Promise<void> {
    return this.#op('insert a message', () => this.#outbox.insertMessage(input));
  }
  getMessage(id: string): Promise<Message | null> {
    return this.#op('read a message', () => this.#outbox.getMessage(id));
  }
  claimDeliveries(options: ClaimDeliveriesOptions): Promise<DeliveryRecord[]> {
    return this.#op('claim deliveries', () => this.#outbox.claimDeliveries(options));
  }
  completeAttempt(input: CompleteAttemptInput): Promise<void> {
    return this.#op('record a delivery attempt', () => this.#outbox.completeAttempt(input));
  }
  updateDelivery(delivery: DeliveryRecord): Promise<void> {
    return this.#op('update a delivery', () => this.#outbox.updateDelivery(delivery));
  }
  getDelivery(id: string): Promise<DeliveryRecord | null> {
    return this.#op('read a delivery', () => this.#outbox.getDelivery(id));
  }
  listDeliveries(options?: ListDeliveriesOptions): Promise<DeliveryRecord[]> {
    return this.#op('list deliveries', () => this.#outbox.listDeliveries(options));
  }
  listAttempts(deliveryId: string): Promise<DeliveryAttempt[]> {
    return this.#op('list delivery attempts', () => this.#outbox.listAttempts(deliveryId));
  }
  nextDeliveryAt(): Promise<Date | null> {
    return this.#op('find the next due delivery', () => this.#outbox.nextDeliveryAt());
  }
}
