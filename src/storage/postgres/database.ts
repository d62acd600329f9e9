import { createHash } from 'node:crypto';
import type pg from 'pg';
import { storageError } from '../errors.js';
import type { SqlDialect } from '../sql/codec.js';
import type { StorageChange } from '../types.js';

export type PgRow = Record<string, unknown>;

/** pg parses json columns itself and binds booleans as they are. */
export const postgresDialect: SqlDialect = {
  bool: (value) => value,
  parseJson: (value) => value,
};

/** A statement sent as a named prepared statement (see `PostgresDatabase.statement`). */
export interface PgStatement {
  readonly name: string;
  readonly text: string;
}

/** Statement text, or a prepared statement. */
export type PgSql = string | PgStatement;

/** Runs statements: the pool, or one client inside a transaction. */
export interface PgExecutor {
  query(sql: PgSql, params?: unknown[]): Promise<{ rows: PgRow[]; rowCount: number }>;
}

/**
 * A select-list item that commits the statement's transaction without waiting for its WAL to be flushed
 * (`synchronous_commit = off` for that transaction only; the session keeps its setting). For claims: a lease
 * lost in a server crash only makes its items claimable again, and a claim that waits for the disk keeps its
 * deliveries (or jobs) from being sent meanwhile — a flush took 5-7 ms here against 0.4-1.6 ms for the rest of
 * the claim. Every later synchronous commit flushes the WAL up to it anyway. A sub-select, evaluated once,
 * when the first row that holds it is returned: on a job claim's every row (one that returns none wrote nothing
 * to flush), on the last row of a delivery claim, which every claim returns (see claimStatement).
 */
export const ASYNC_COMMIT = "(SELECT set_config('synchronous_commit', 'off', true)) AS async_commit";

/** Qualified table names in the configured schema. */
export interface PgTables {
  jobs: string;
  runs: string;
  endpoints: string;
  messages: string;
  deliveries: string;
  attempts: string;
  fanouts: string;
  migrations: string;
}

function executor(target: pg.Pool | pg.PoolClient): PgExecutor {
  return {
    async query(sql, params = []) {
      // pg writes the values into the config it is given: a fresh one per call.
      const result =
        typeof sql === 'string'
          ? await target.query<PgRow>(sql, params)
          : await target.query<PgRow>({ name: sql.name, text: sql.text, values: params });
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    },
  };
}

/** The pool, the schema's tables and the notification channel, shared by the parts of `PostgresStorage`. */
export class PostgresDatabase implements PgExecutor {
  readonly pool: pg.Pool;
  readonly tables: PgTables;
  /** The schema, as a quoted identifier. */
  readonly schema: string;
  /** LISTEN/NOTIFY channel of this schema. */
  readonly channel: string;
  readonly #pool: PgExecutor;
  readonly #prepare: boolean;

  /** @param prepare whether {@link statement} makes named prepared statements. */
  constructor(pool: pg.Pool, quotedSchema: string, channel: string, prepare = true) {
    this.pool = pool;
    this.#prepare = prepare;
    this.channel = channel;
    this.schema = quotedSchema;
    const t = (name: string) => `${quotedSchema}.${name}`;
    this.tables = {
      jobs: t('jobs'),
      runs: t('runs'),
      endpoints: t('endpoints'),
      messages: t('messages'),
      deliveries: t('deliveries'),
      attempts: t('attempts'),
      fanouts: t('fanouts'),
      migrations: t('schema_migrations'),
    };
    this.#pool = executor(pool);
  }

  query(sql: PgSql, params: unknown[] = []): Promise<{ rows: PgRow[]; rowCount: number }> {
    return this.#pool.query(sql, params);
  }

  /**
   * Runs `sql` with its rows as arrays of their values, in the order of its result columns: pg then makes no
   * object per row (one property per column), for statements whose rows are many or wide (a claim's).
   */
  async queryValues(sql: PgSql, params: unknown[] = []): Promise<unknown[][]> {
    const config = typeof sql === 'string' ? { text: sql } : { name: sql.name, text: sql.text };
    return (await this.pool.query<unknown[]>({ ...config, values: params, rowMode: 'array' })).rows;
  }

  /**
   * A statement the hot paths send many times a second, as a named prepared statement: each connection has
   * the server parse and plan it once, then only binds and runs it (planning the claim or the attempt-results
   * statement cost about as much server CPU as running it for a few rows). Named after its text, which holds
   * the schema, so storages of several schemas on one pool never share a name. Only for statements whose
   * result columns cannot change with the schema (no `SELECT *`): the server re-plans a prepared statement
   * after a migration, but refuses to run it if its result columns changed. Plain text when prepared
   * statements are turned off (`preparedStatements: false`).
   */
  statement(text: string): PgSql {
    if (!this.#prepare) return text;
    return { name: `cronhook_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, text };
  }

  /** Runs `fn` in a transaction on one client; rolls back when it throws. */
  async transaction<T>(fn: (tx: PgExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(executor(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError; // the connection is unusable: the pool must not hand it out again
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /**
   * Wakes subscribers in every instance. Best effort by design: the write it follows is committed, and
   * instances that miss a notification find the change when they next poll, so a failure is not reported.
   */
  async notify(change: StorageChange): Promise<void> {
    try {
      await this.#pool.query('SELECT pg_notify($1, $2)', [this.channel, change]);
    } catch {
      // see above
    }
  }

  /** Runs an operation, turning driver errors into `ERR_STORAGE`. */
  async op<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw storageError(error, action);
    }
  }
}
