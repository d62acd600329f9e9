import { CronhookError, describeValue } from '../errors.js';
import type { DeliveryAttempt, DeliveryRecord, EndpointRecord, Message } from '../notifier/types.js';
import { duplicateJob, leaseLost, notFound, schemaTooNew, storageError } from './errors.js';
import { jobCodec, runCodec } from './sql/job-rows.js';
import { SQLITE_SCHEMA_VERSION, sqliteMigrations } from './sql/sqlite-schema.js';
import { insertSql, sqlitePlaceholder as ph, setSql, without } from './sql/statements.js';
import { sqliteDialect as dialect, SqliteConnection, type SqlRow } from './sqlite-connection.js';
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
}

const ACTIVE = "status IN ('queued', 'running')";
const INSERT_JOB = `${insertSql('cronhook_jobs', jobCodec.columns, ph)} ON CONFLICT (id) DO NOTHING`;
const INSERT_RUN = `${insertSql('cronhook_runs', runCodec.columns, ph)} ON CONFLICT (job_id, occurrence_key) DO NOTHING`;
const JOB_DEFINITION = without(jobCodec.columns, jobCodec.columns, [
  'id',
  'locked_by',
  'locked_until',
]).columns;
const RUN_STATE = without(runCodec.columns, runCodec.columns, ['id', 'job_id', 'occurrence_key']).columns;

const decodeJob = (row: SqlRow) => jobCodec.decode(row, dialect);
const decodeRun = (row: SqlRow) => runCodec.decode(row, dialect);
const toDate = (value: unknown) => (value === null || value === undefined ? null : new Date(Number(value)));

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
  readonly shared = false;
  readonly #c: SqliteConnection;
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
    this.#path = path;
    try {
      this.#c = new SqliteConnection({ path, busyTimeoutMs, synchronous });
    } catch (error) {
      throw storageError(error, `open ${path}`);
    }
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

  // Jobs

  insertJob(job: JobRecord): Promise<void> {
    return this.#op('insert a job', () => {
      if (this.#c.run(INSERT_JOB, jobCodec.encode(job, dialect)) === 0) throw duplicateJob(job.id);
    });
  }

  updateJob(job: JobRecord): Promise<void> {
    return this.#op('update a job', () => {
      const { values } = without(jobCodec.columns, jobCodec.encode(job, dialect), [
        'id',
        'locked_by',
        'locked_until',
      ]);
      const sql = `UPDATE cronhook_jobs SET ${setSql(JOB_DEFINITION, ph)} WHERE id = ?`;
      if (this.#c.run(sql, [...values, job.id]) === 0) throw notFound('job', job.id);
    });
  }

  getJob(id: string): Promise<JobRecord | null> {
    return this.#op('read a job', () => {
      const row = this.#c.get('SELECT * FROM cronhook_jobs WHERE id = ?', [id]);
      return row ? decodeJob(row) : null;
    });
  }

  listJobs(options: ListJobsOptions = {}): Promise<JobRecord[]> {
    return this.#op('list jobs', () => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (options.after !== undefined) where.push('id > ?') && params.push(options.after);
      if (options.enabled !== undefined)
        where.push('enabled = ?') && params.push(dialect.bool(options.enabled));
      const sql = `SELECT * FROM cronhook_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id LIMIT ?`;
      return this.#c.all(sql, [...params, options.limit ?? 100]).map(decodeJob);
    });
  }

  deleteJob(id: string): Promise<boolean> {
    return this.#op('delete a job', () =>
      this.#c.transaction(() => {
        this.#c.run('DELETE FROM cronhook_runs WHERE job_id = ?', [id]);
        return this.#c.run('DELETE FROM cronhook_jobs WHERE id = ?', [id]) > 0;
      }),
    );
  }

  nextDueAt(): Promise<Date | null> {
    return this.#op('find the next due job', () =>
      toDate(this.#c.get('SELECT MIN(wake_at) AS t FROM cronhook_jobs WHERE enabled = 1')?.t),
    );
  }

  claimDueJobs({ now, limit, instanceId, leaseMs }: ClaimOptions): Promise<JobRecord[]> {
    const lockedUntil = now.getTime() + leaseMs;
    return this.#op('claim due jobs', () =>
      this.#c.transaction(() => {
        const rows = this.#c.all(
          'SELECT * FROM cronhook_jobs WHERE enabled = 1 AND wake_at <= ? ORDER BY wake_at, id LIMIT ?',
          [now.getTime(), limit],
        );
        for (const row of rows) {
          this.#c.run('UPDATE cronhook_jobs SET locked_by = ?, locked_until = ? WHERE id = ?', [
            instanceId,
            lockedUntil,
            row.id,
          ]);
        }
        return rows.map((row) => ({
          ...decodeJob(row),
          lockedBy: instanceId,
          lockedUntil: new Date(lockedUntil),
        }));
      }),
    );
  }

  advanceJob(input: AdvanceJobInput): Promise<RunRecord[]> {
    return this.#op('advance a job', () =>
      this.#c.transaction(() => {
        const holder = this.#c.get('SELECT locked_by FROM cronhook_jobs WHERE id = ?', [input.jobId]);
        if (holder?.locked_by !== input.instanceId) throw leaseLost(input.jobId, input.instanceId);
        const inserted = input.runs.filter(
          (run) => this.#c.run(INSERT_RUN, runCodec.encode(run, dialect)) > 0,
        );
        this.#c.run(
          `UPDATE cronhook_jobs SET next_run_at = ?, run_count = ?, enabled = COALESCE(?, enabled),
             locked_by = NULL, locked_until = NULL WHERE id = ?`,
          [
            input.nextRunAt?.getTime() ?? null,
            input.runCount,
            input.enabled === undefined ? null : dialect.bool(input.enabled),
            input.jobId,
          ],
        );
        return inserted.map((run) =>
          decodeRun(this.#c.get('SELECT * FROM cronhook_runs WHERE id = ?', [run.id])!),
        );
      }),
    );
  }

  // Runs

  insertRun(run: RunRecord): Promise<boolean> {
    return this.#op('insert a run', () => this.#c.run(INSERT_RUN, runCodec.encode(run, dialect)) > 0);
  }

  updateRun(run: RunRecord): Promise<void> {
    return this.#op('update a run', () => {
      const { values } = without(runCodec.columns, runCodec.encode(run, dialect), [
        'id',
        'job_id',
        'occurrence_key',
      ]);
      const sql = `UPDATE cronhook_runs SET ${setSql(RUN_STATE, ph)} WHERE id = ?`;
      if (this.#c.run(sql, [...values, run.id]) === 0) throw notFound('run', run.id);
    });
  }

  getRun(id: string): Promise<RunRecord | null> {
    return this.#op('read a run', () => {
      const row = this.#c.get('SELECT * FROM cronhook_runs WHERE id = ?', [id]);
      return row ? decodeRun(row) : null;
    });
  }

  listRuns(options: ListRunsOptions = {}): Promise<RunRecord[]> {
    return this.#op('list runs', () => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (options.jobId !== undefined) where.push('job_id = ?') && params.push(options.jobId);
      if (options.statuses !== undefined) {
        where.push('status IN (SELECT value FROM json_each(?))');
        params.push(JSON.stringify(options.statuses));
      }
      if (options.before !== undefined) {
        const t = options.before.scheduledAt.getTime();
        where.push('(scheduled_at < ? OR (scheduled_at = ? AND id < ?))');
        params.push(t, t, options.before.id);
      }
      const sql = `SELECT * FROM cronhook_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY scheduled_at DESC, id DESC LIMIT ?`;
      return this.#c.all(sql, [...params, options.limit ?? 50]).map(decodeRun);
    });
  }

  renewRunLeases({ instanceId, runIds, until }: { instanceId: string; runIds: string[]; until: Date }) {
    return this.#op('renew run leases', () => {
      this.#c.run(
        `UPDATE cronhook_runs SET locked_until = ?
         WHERE instance_id = ? AND ${ACTIVE} AND id IN (SELECT value FROM json_each(?))`,
        [until.getTime(), instanceId, JSON.stringify(runIds)],
      );
    });
  }

  claimExpiredRuns({ now, limit, instanceId, leaseMs }: ClaimOptions): Promise<RunRecord[]> {
    const lockedUntil = now.getTime() + leaseMs;
    return this.#op('claim expired runs', () =>
      this.#c.transaction(() => {
        const rows = this.#c.all(
          `SELECT * FROM cronhook_runs WHERE ${ACTIVE} AND (locked_until IS NULL OR locked_until < ?)
           ORDER BY scheduled_at, id LIMIT ?`,
          [now.getTime(), limit],
        );
        for (const row of rows) {
          this.#c.run('UPDATE cronhook_runs SET instance_id = ?, locked_until = ? WHERE id = ?', [
            instanceId,
            lockedUntil,
            row.id,
          ]);
        }
        return rows.map((row) => ({ ...decodeRun(row), instanceId, lockedUntil: new Date(lockedUntil) }));
      }),
    );
  }

  pruneRuns({ jobId, keep }: { jobId: string; keep: number }): Promise<number> {
    return this.#op('prune runs', () =>
      this.#c.run(
        `DELETE FROM cronhook_runs WHERE id IN (SELECT id FROM cronhook_runs WHERE job_id = ? AND NOT ${ACTIVE}
           ORDER BY scheduled_at DESC, id DESC LIMIT -1 OFFSET ?)`,
        [jobId, Math.max(0, keep)],
      ),
    );
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
