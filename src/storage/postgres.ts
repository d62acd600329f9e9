import pg from 'pg';
import { CronhookError, describeValue } from '../errors.js';
import type { DeliveryAttempt, DeliveryRecord, EndpointRecord, Message } from '../notifier/types.js';
import { schemaTooNew } from './errors.js';
import { PostgresDatabase } from './postgres-database.js';
import { PostgresJobs } from './postgres-jobs.js';
import { PostgresListener } from './postgres-listener.js';
import { PostgresOutbox } from './postgres-outbox.js';
import { POSTGRES_SCHEMA_VERSION, postgresMigrations } from './sql/postgres-schema.js';
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
  StorageChange,
} from './types.js';

interface PostgresCommonOptions {
  /**
   * Schema holding cronhook's tables, created by `migrate()` when missing. Letters, digits and `_`.
   * @default 'cronhook'
   */
  schema?: string;
}

/** Options of `new PostgresStorage(...)`: a connection string, or a pool you already have. */
export type PostgresStorageOptions = PostgresCommonOptions &
  (
    | {
        /** e.g. `postgres://user:password@host:5432/db`; a pool is created and `close()` ends it. */
        connectionString: string;
        /** Connections in the pool created from `connectionString`. @default 10 */
        max?: number;
        pool?: never;
      }
    | {
        /** An existing pool; `close()` leaves it open for its owner. */
        pool: pg.Pool;
        connectionString?: never;
        max?: never;
      }
  );

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/;
/** First half of the advisory lock key that serializes migrations (the second is the schema's hash). */
const MIGRATION_LOCK = 0x6372_6f6e; // 'cron'

function invalid(field: string, message: string): CronhookError {
  return new CronhookError('ERR_INVALID_OPTION', `PostgresStorage: ${message}`, { field });
}

/**
 * Keeps everything in PostgreSQL, shared by any number of instances: claims use `FOR UPDATE SKIP LOCKED`,
 * an occurrence (job id, occurrence key) is unique so two instances never both run it, and LISTEN/NOTIFY
 * wakes the other instances when jobs change or deliveries become due. Needs the `pg` package.
 *
 * @example
 * import { PostgresStorage } from 'cronhook/storage/postgres';
 * const storage = new PostgresStorage({ connectionString: process.env.DATABASE_URL! });
 * const scheduler = new Scheduler({ storage });
 */
export class PostgresStorage implements Storage {
  readonly shared = true;
  /** The schema holding the tables. */
  readonly schema: string;
  readonly #db: PostgresDatabase;
  readonly #jobs: PostgresJobs;
  readonly #outbox: PostgresOutbox;
  readonly #listener: PostgresListener;
  readonly #ownsPool: boolean;
  #closed = false;

  constructor(options: PostgresStorageOptions) {
    const schema = options?.schema ?? 'cronhook';
    if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
      throw invalid(
        'schema',
        `schema must be 1-41 letters, digits or _, not starting with a digit; got ${describeValue(schema)}`,
      );
    }
    let pool: pg.Pool;
    if (options.pool !== undefined) {
      if (options.connectionString !== undefined)
        throw invalid('pool', 'give either pool or connectionString, not both');
      if (typeof (options.pool as { connect?: unknown } | null)?.connect !== 'function') {
        throw invalid('pool', `pool must be a pg.Pool, got ${describeValue(options.pool)}`);
      }
      pool = options.pool;
      this.#ownsPool = false;
    } else {
      if (typeof options.connectionString !== 'string' || options.connectionString === '') {
        // Never echo the value: a connection string usually holds a password.
        throw invalid('connectionString', 'connectionString (a postgres:// URL) or pool is required');
      }
      const max = options.max ?? 10;
      if (!Number.isInteger(max) || max < 1)
        throw invalid('max', `max must be an integer >= 1, got ${describeValue(max)}`);
      pool = new pg.Pool({ connectionString: options.connectionString, max });
      // An idle connection that breaks is replaced on next use; without a listener it would crash the process.
      pool.on('error', () => {});
      this.#ownsPool = true;
    }
    this.schema = schema;
    this.#db = new PostgresDatabase(pool, `"${schema}"`, `cronhook_${schema}`);
    this.#jobs = new PostgresJobs(this.#db);
    this.#outbox = new PostgresOutbox(this.#db);
    this.#listener = new PostgresListener(pool, this.#db.channel);
  }

  /**
   * Creates the schema and applies the migrations it lacks, in one transaction under an advisory lock, so
   * instances starting together migrate once. Refuses a schema migrated by a newer cronhook with
   * `ERR_SCHEMA_TOO_NEW`, changing nothing.
   */
  migrate(): Promise<void> {
    const { migrations: table } = this.#db.tables;
    return this.#db.op('migrate', () =>
      this.#db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK, this.schema]);
        const exists = await tx.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
        if (exists.rowCount === 0) await tx.query(`CREATE SCHEMA "${this.schema}"`);
        await tx.query(
          `CREATE TABLE IF NOT EXISTS ${table} (version integer PRIMARY KEY, name text NOT NULL)`,
        );
        const { rows } = await tx.query(`SELECT COALESCE(MAX(version), 0) AS v FROM ${table}`);
        const current = Number(rows[0]?.v);
        if (current > POSTGRES_SCHEMA_VERSION) {
          throw schemaTooNew(current, POSTGRES_SCHEMA_VERSION, `schema "${this.schema}"`);
        }
        for (const migration of postgresMigrations(`"${this.schema}"`)) {
          if (migration.version <= current) continue;
          await tx.query(migration.sql);
          await tx.query(`INSERT INTO ${table} (version, name) VALUES ($1, $2)`, [
            migration.version,
            migration.name,
          ]);
        }
      }),
    );
  }

  /**
   * Calls `listener` when another instance (or this one) changes jobs or makes deliveries due. Holds one
   * connection of the pool in LISTEN while anyone is subscribed.
   */
  subscribe(listener: (change: StorageChange) => void): Promise<() => void> {
    return this.#db.op('subscribe to changes', () => this.#listener.subscribe(listener));
  }

  /** Stops listening and, when the pool was created here, ends it. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#listener.close();
    if (this.#ownsPool) await this.#db.pool.end();
  }

  #op<T>(action: string, fn: () => Promise<T>): Promise<T> {
    return this.#db.op(action, fn);
  }

  // Jobs and runs: see PostgresJobs.

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

  // Endpoints and outbox: see PostgresOutbox.

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
