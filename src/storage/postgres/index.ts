import pg from 'pg';
import { type Clock, systemClock } from '../../clock.js';
import { CronhookError, describeValue } from '../../errors.js';
import { schemaOutdated, schemaTooNew } from '../errors.js';
import { SplitStorage } from '../sql/split-storage.js';
import { PostgresDatabase } from './database.js';
import { PostgresJobs } from './jobs.js';
import { PostgresListener } from './listener.js';
import { PostgresOutbox } from './outbox/outbox.js';
import { POSTGRES_SCHEMA_VERSION, postgresMigrations } from './schema.js';
import { postgresStats } from './stats.js';

export type { SplitStorage };

import type { StatsInput, Storage, StorageChange, StorageStats } from '../types.js';

interface PostgresCommonOptions {
  /**
   * Schema holding cronhook's tables, created by `migrate()` when missing. Letters, digits and `_`.
   * @default 'cronhook'
   */
  schema?: string;
  /**
   * Migrate the schema on first use: the first call of any method (or of `ready()`) creates or upgrades it,
   * once, under an advisory lock so that instances starting together migrate once. `false` never changes the
   * schema, for a database user without DDL rights: first use then only checks it and fails with
   * `ERR_SCHEMA_OUTDATED` until `migrate()` has been run (in a deploy step, with a user that may).
   * @default true
   * @example new PostgresStorage({ connectionString: process.env.DATABASE_URL!, autoMigrate: false })
   */
  autoMigrate?: boolean;
  /**
   * Send the statements of the busy paths (claims, attempt results, publishes, job advances) as named
   * prepared statements: each connection has the server parse and plan them once, not at every call, which
   * saves the server CPU on every claim and every group of results. Turn it off behind a connection pooler
   * that does not keep prepared statements per client, such as PgBouncer in transaction mode before 1.21
   * (or later without `max_prepared_statements`).
   * @default true
   * @example new PostgresStorage({ connectionString: process.env.DATABASE_URL!, preparedStatements: false })
   */
  preparedStatements?: boolean;
  /**
   * The time source of this storage's one reading of the time: the endpoint row a delivery claim returned
   * serves that delivery's attempts (`getDeliveryEndpoint`) until the claim's lease ends, judged by the
   * time of later claims and by this clock. Give it the scheduler's or notifier's clock when that is not the
   * system's (a `FakeClock` in tests), so that rows are let go in the same time as the leases.
   * @default systemClock
   * @example new PostgresStorage({ connectionString: process.env.DATABASE_URL!, clock: fakeClock })
   */
  clock?: Clock;
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
 * wakes the other instances when jobs change or deliveries become due. Attempt results, messages, run updates
 * and advanced jobs made together are written by one set-based statement per kind (group commit: one round
 * trip and one commit, each caller resolved once it is committed). Needs the `pg` package.
 *
 * @example
 * import { PostgresStorage } from 'cronhook/storage/postgres';
 * const storage = new PostgresStorage({ connectionString: process.env.DATABASE_URL! });
 * const scheduler = new Scheduler({ storage });
 */
export class PostgresStorage extends SplitStorage implements Storage {
  readonly shared = true;
  /** The schema holding the tables. */
  readonly schema: string;
  readonly #db: PostgresDatabase;
  readonly #listener: PostgresListener;
  readonly #ownsPool: boolean;
  readonly #autoMigrate: boolean;
  #closed = false;

  constructor(options: PostgresStorageOptions) {
    const schema = options?.schema ?? 'cronhook';
    if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
      throw invalid(
        'schema',
        `schema must be 1-41 letters, digits or _, not starting with a digit; got ${describeValue(schema)}`,
      );
    }
    if (options.autoMigrate !== undefined && typeof options.autoMigrate !== 'boolean') {
      throw invalid(
        'autoMigrate',
        `autoMigrate must be true or false, got ${describeValue(options.autoMigrate)}`,
      );
    }
    if (options.preparedStatements !== undefined && typeof options.preparedStatements !== 'boolean') {
      throw invalid(
        'preparedStatements',
        `preparedStatements must be true or false, got ${describeValue(options.preparedStatements)}`,
      );
    }
    const clock = options.clock ?? systemClock;
    if (typeof (clock as Partial<Clock> | null)?.now !== 'function') {
      throw invalid('clock', `clock must be a Clock (with now()), got ${describeValue(options.clock)}`);
    }
    let pool: pg.Pool;
    let ownsPool: boolean;
    if (options.pool !== undefined) {
      if (options.connectionString !== undefined)
        throw invalid('pool', 'give either pool or connectionString, not both');
      if (typeof (options.pool as { connect?: unknown } | null)?.connect !== 'function') {
        throw invalid('pool', `pool must be a pg.Pool, got ${describeValue(options.pool)}`);
      }
      pool = options.pool;
      ownsPool = false;
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
      ownsPool = true;
    }
    const db = new PostgresDatabase(
      pool,
      `"${schema}"`,
      `cronhook_${schema}`,
      options.preparedStatements ?? true,
    );
    super(new PostgresJobs(db), new PostgresOutbox(db, clock));
    this.#ownsPool = ownsPool;
    this.schema = schema;
    this.#db = db;
    this.#listener = new PostgresListener(pool, db.channel);
    this.#autoMigrate = options.autoMigrate ?? true;
  }

  /**
   * Creates the schema and applies the migrations it lacks, in one transaction under an advisory lock, so
   * instances starting together migrate once. Refuses a schema migrated by a newer cronhook with
   * `ERR_SCHEMA_TOO_NEW`, changing nothing. Not needed before use (see `autoMigrate`), and a no-op on a
   * current schema.
   * @example await storage.migrate(); // a deploy step, for a storage opened with autoMigrate: false
   */
  async migrate(): Promise<void> {
    const { migrations: table } = this.#db.tables;
    await this.#db.op('migrate', () =>
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
    this.markReady();
  }

  protected prepare(): Promise<void> {
    if (this.#autoMigrate) return this.migrate();
    return this.#db.op('check the schema version', async () => {
      const where = `schema "${this.schema}"`;
      const { rows } = await this.#db.query('SELECT to_regclass($1) IS NOT NULL AS found', [
        this.#db.tables.migrations,
      ]);
      let current = 0;
      if (rows[0]?.found === true) {
        const versions = await this.#db.query(
          `SELECT COALESCE(MAX(version), 0) AS v FROM ${this.#db.tables.migrations}`,
        );
        current = Number(versions.rows[0]?.v);
      }
      if (current > POSTGRES_SCHEMA_VERSION) throw schemaTooNew(current, POSTGRES_SCHEMA_VERSION, where);
      if (current < POSTGRES_SCHEMA_VERSION) throw schemaOutdated(current, POSTGRES_SCHEMA_VERSION, where);
    });
  }

  /**
   * Calls `listener` when another instance (or this one) changes jobs or makes deliveries due. Holds one
   * connection of the pool in LISTEN while anyone is subscribed.
   */
  subscribe(listener: (change: StorageChange) => void): Promise<() => void> {
    return this.#db.op('subscribe to changes', () => this.#listener.subscribe(listener));
  }

  /**
   * Counts for the dashboard's overview and telemetry gauges, each over an index (see `Storage.stats`).
   * @example const { jobs, deliveries } = await storage.stats({ now: new Date() });
   */
  stats(input: StatsInput): Promise<StorageStats> {
    return this.op('count for stats', () => postgresStats(this.#db, input));
  }

  /** Stops listening and, when the pool was created here, ends it. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#listener.close();
    if (this.#ownsPool) await this.#db.pool.end();
  }
}
