import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { describe, inject } from 'vitest';
import { newId } from '../../src/notifier/ids.js';
import type { DeliveryRecord } from '../../src/notifier/types.js';
import { fanoutDeliveries } from '../../src/storage/fanout.js';
import { postgresDialect as dialect } from '../../src/storage/postgres/database.js';
import { PostgresStorage, type PostgresStorageOptions } from '../../src/storage/postgres/index.js';
import { postgresMigrations } from '../../src/storage/postgres/schema.js';
import { insertSql, postgresPlaceholder as ph } from '../../src/storage/sql/codec.js';
import { deliveryCodec, endpointCodec, messageCodec } from '../../src/storage/sql/outbox-rows.js';
import { at, delivery, endpoint, message } from '../../src/testing/storage-suite/fixtures.js';
import type { PostgresTestContext } from '../setup/global-postgres.js';
import { recordServer, startedServer } from '../setup/leftover-servers.js';
import { startPostgresServer } from '../setup/postgres-server.js';
import { withDirLock } from './dir-lock.js';
import type { Cleanups } from './test-lifecycle.js';

const context = (): PostgresTestContext => inject('postgres');

/**
 * `describe` for tests that need Postgres: skipped, with the reason in its name, only when the machine has
 * no PostgreSQL and CI is not set (global-postgres.ts fails the run under CI=true instead).
 */
export function describePostgres(name: string, fn: () => void): void {
  const { skipReason } = context();
  describe.skipIf(skipReason !== null)(skipReason === null ? name : `${name} [skipped: ${skipReason}]`, fn);
}

let urlPromise: Promise<string> | undefined;
let ownDatabaseName: string | null = null;

/** URL of the run's Postgres server, started by the first caller of any test file (one per run). */
export function postgresUrl(): Promise<string> {
  urlPromise ??= resolveUrl().then((url) =>
    ownDatabaseName === null ? url : createDatabase(url, ownDatabaseName),
  );
  return urlPromise;
}

/**
 * Makes this test file's connections (every helper here) use a database of its own on the run's server, for
 * tests that count what the server does for a connection: files run side by side, and another file's
 * CREATE or DROP SCHEMA in the same database makes every session there plan its statements again. Call it at
 * the top of the file, before anything connects.
 */
export function useOwnDatabase(): void {
  if (urlPromise !== undefined) throw new Error('useOwnDatabase() must come before the first connection');
  ownDatabaseName ??= `file_${randomBytes(6).toString('hex')}`;
}

/** The URL of database `name`, created on the server at `url`; the server's own when not allowed to. */
async function createDatabase(url: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } catch (error) {
    // A server given by URL may not let this role create databases: its own database serves, shared.
    if ((error as { code?: string }).code === '42501') return url;
    throw error;
  } finally {
    await client.end();
  }
  const own = new URL(url);
  own.pathname = `/${name}`;
  return own.href;
}

async function resolveUrl(): Promise<string> {
  const { url, stateDir, bin, skipReason } = context();
  if (url !== null) return url;
  if (stateDir === null || bin === null) throw new Error(`Postgres is not available: ${skipReason}`);
  const lock = join(stateDir, 'lock');
  return withDirLock(lock, { timeoutMs: 90_000, pollMs: 50 }, async () => {
    let server = startedServer(stateDir);
    if (server === null) {
      server = await startPostgresServer(bin, join(stateDir, 'server'));
      recordServer(stateDir, server);
    }
    return server.url;
  });
}

/** A schema name no other test or run uses. */
export function uniqueSchema(prefix = 'test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Runs `fn` with a short-lived pool on the test server. */
export async function withPool<T>(fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: await postgresUrl(), max: 2 });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/**
 * Writes schema `t` (quoted) as cronhook with schema `version` left it, with its outbox as that version wrote
 * it, for the upgrade tests: endpoints `ep` and `ep-2`; message `m` with deliveries `d-0` (succeeded), `d-1`
 * (leased by instance `old` until at(60_000) through that version's claim), `d-2` (due at(0)) and `d-3` (due
 * at(5_000)); and a message fanned out to `ep-2` and `ep` at(1_000), not written as deliveries yet. Resolves
 * with that message's id.
 */
export async function writeOutboxAtVersion(t: string, version: number): Promise<string> {
  return withPool(async (pool) => {
    await writeSchemaAtVersion(pool, t, version);
    for (const id of ['ep', 'ep-2'])
      await pool.query(
        insertSql(`${t}.endpoints`, endpointCodec.columns, ph),
        endpointCodec.encode(endpoint(id), dialect),
      );
    const fanned = message(newId('msg', at(0).getTime()), { createdAt: at(0) });
    for (const m of [message('m'), fanned])
      await pool.query(insertSql(`${t}.messages`, messageCodec.columns, ph), messageCodec.encode(m, dialect));
    for (const d of [
      delivery('d-0', 'm', 'ep', { status: 'succeeded', nextAttemptAt: null, attempts: 1 }),
      delivery('d-1', 'm', 'ep'),
      delivery('d-2', 'm', 'ep'),
      delivery('d-3', 'm', 'ep', { nextAttemptAt: at(5_000) }),
    ])
      await pool.query(
        insertSql(`${t}.deliveries`, deliveryCodec.columns, ph),
        deliveryCodec.encode(d, dialect),
      );
    await pool.query(`INSERT INTO ${t}.fanouts VALUES ($1, 'job.execution.failed', '{ep-2,ep}', $2, $3)`, [
      fanned.id,
      at(1_000).getTime(),
      at(0).getTime(),
    ]);
    // That version's claim leases d-1 until at(60_000).
    await pool.query(
      `SELECT * FROM ${t}.claim_deliveries(${at(0).getTime()}, 1, 'old', ${at(60_000).getTime()}, '{}')`,
    );
    return fanned.id;
  });
}

/**
 * The deliveries of the fan-out {@link writeOutboxAtVersion} wrote (message `fannedId` to `ep-2` and `ep`,
 * due at(1_000)) as a claim writes them, in index order.
 */
export function fannedDeliveries(fannedId: string): DeliveryRecord[] {
  return fanoutDeliveries(message(fannedId), ['ep-2', 'ep'], at(1_000));
}

/** Creates schema `t` (quoted) with the tables and functions cronhook's schema `version` had, empty. */
export async function writeSchemaAtVersion(pool: pg.Pool, t: string, version: number): Promise<void> {
  await pool.query(`CREATE SCHEMA ${t};
    CREATE TABLE ${t}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL)`);
  for (const m of postgresMigrations(t).filter((m) => m.version <= version)) {
    await pool.query(m.sql);
    await pool.query(`INSERT INTO ${t}.schema_migrations VALUES ($1, $2)`, [m.version, m.name]);
  }
}

/** Drops a schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  await withPool((pool) => pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}

/**
 * SQL that turns the deliveries table of schema `t` (quoted) back into what versions 6 to 11 left: the claim
 * index on wake_at, no fillfactor (schema version 12 undone, its functions left for migrate() to replace).
 */
export function beforeLeaseMigration(t: string): string {
  return `ALTER TABLE ${t}.deliveries RESET (fillfactor); DROP INDEX ${t}.deliveries_ready;
    ALTER TABLE ${t}.deliveries ADD COLUMN wake_at bigint GENERATED ALWAYS AS (
      CASE WHEN locked_until > next_attempt_at THEN locked_until ELSE next_attempt_at END) STORED;
    CREATE INDEX deliveries_ready ON ${t}.deliveries (wake_at, id) WHERE status = 'pending' AND NOT parked;`;
}

/**
 * SQL that turns the jobs table of schema `t` (quoted) back into what versions 4 to 14 left: the claim index on
 * (wake_at, id), no fillfactor, no next_job_at() (schema version 15 undone, claim_jobs left for migrate()).
 */
export function beforeJobLeaseMigration(t: string): string {
  return `DROP FUNCTION ${t}.next_job_at; ALTER TABLE ${t}.jobs RESET (fillfactor); DROP INDEX ${t}.jobs_due;
    CREATE INDEX jobs_due ON ${t}.jobs (wake_at, id) WHERE enabled;`;
}

/** SQL that undoes schema version 18 in schema `t` (quoted): no index of a job's runs in flight. */
export function beforeActiveRunMigration(t: string): string {
  return `DROP INDEX ${t}.runs_job_active;`;
}

/**
 * SQL that turns the attempts table of schema `t` (quoted) back into what versions 1 to 19 left: the primary key
 * on seq and an index on (delivery_id, seq) (schema version 20 undone).
 */
export function beforeAttemptKeyMigration(t: string): string {
  return `ALTER TABLE ${t}.attempts DROP CONSTRAINT attempts_pkey, ADD PRIMARY KEY (seq);
    CREATE INDEX attempts_delivery ON ${t}.attempts (delivery_id, seq);`;
}

/** SQL that undoes schema version 21 in schema `t` (quoted): no claim from a floor (seven parameters). */
export function beforeClaimFloorMigration(t: string): string {
  return `DROP FUNCTION ${t}.claim_deliveries(bigint, integer, text, bigint, text[], bigint, text);`;
}

/** SQL that undoes schema version 23 in schema `t` (quoted): no claim that returns rows. */
export function beforeClaimRowsMigration(t: string): string {
  return `DROP FUNCTION ${t}.claim_delivery_rows;`;
}

/** SQL that undoes schema version 24 in schema `t` (quoted): the message index holds every delivery. */
export function beforeMessageIndexMigration(t: string): string {
  return `DROP INDEX ${t}.deliveries_message_own; CREATE INDEX deliveries_message ON ${t}.deliveries (message_id);`;
}

/** Migrated storages for the tests of a file (see {@link postgresStorages}). */
/**
 * Calls `onRow` with each row that the claims sent through `pool.query` return (`claim_delivery_rows`,
 * schema version 23: deliveries, each of their messages' columns once on one of them, and each of their
 * endpoints once), by column name. Returns what stops it.
 */
export function watchClaimRows(pool: pg.Pool, onRow: (row: Record<string, unknown>) => void): () => void {
  const query = pool.query.bind(pool);
  pool.query = (async (...args: Parameters<typeof query>) => {
    const result = await query(...args);
    const text = String((args[0] as { text?: string }).text ?? args[0]);
    if (text.includes('claim_delivery_rows(')) {
      // Rows asked for as arrays (rowMode 'array') are named here by the result's columns.
      const { rows, fields } = result as unknown as pg.QueryResult;
      for (const row of rows)
        onRow(Array.isArray(row) ? Object.fromEntries(fields.map((f, i) => [f.name, row[i]])) : row);
    }
    return result;
  }) as typeof pool.query;
  return () => {
    pool.query = query;
  };
}

export interface PostgresStorages {
  /** A storage on a pool of its own (4 connections), on `schema`: a new one, or one in use for another instance. */
  open(schema?: string): Promise<PostgresStorage>;
  /**
   * A storage on a new schema over a pool made from `config`, which the test may query too: with `max: 1`, the
   * very session the storage uses.
   */
  onPool(
    config: Omit<pg.PoolConfig, 'connectionString'>,
    options?: Pick<PostgresStorageOptions, 'preparedStatements' | 'clock'>,
  ): Promise<{ storage: PostgresStorage; pool: pg.Pool; schema: string }>;
}

/**
 * Opens migrated storages on the test server, each undone after its test through `cleanups`: the storage
 * closes (or its pool ends) before its schema is dropped.
 * @example const storages = postgresStorages(useCleanups()); const storage = await storages.open();
 */
export function postgresStorages(cleanups: Cleanups): PostgresStorages {
  return {
    async open(schema = uniqueSchema()) {
      const storage = new PostgresStorage({ connectionString: await postgresUrl(), schema, max: 4 });
      cleanups.push(
        () => dropSchema(schema),
        () => storage.close(),
      );
      await storage.migrate();
      return storage;
    },
    async onPool(config, options = {}) {
      const pool = new pg.Pool({ ...config, connectionString: await postgresUrl() });
      cleanups.push(() => pool.end());
      const schema = uniqueSchema();
      cleanups.push(() => dropSchema(schema));
      const storage = new PostgresStorage({ pool, schema, ...options });
      await storage.migrate();
      return { storage, pool, schema };
    },
  };
}
