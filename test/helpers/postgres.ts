import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, inject } from 'vitest';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import type { PostgresTestContext } from '../setup/global-postgres.js';
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

/** URL of the run's Postgres server, started by the first caller of any test file (one per run). */
export function postgresUrl(): Promise<string> {
  urlPromise ??= resolveUrl();
  return urlPromise;
}

async function resolveUrl(): Promise<string> {
  const { url, stateDir, bin, skipReason } = context();
  if (url !== null) return url;
  if (stateDir === null || bin === null) throw new Error(`Postgres is not available: ${skipReason}`);
  const lock = join(stateDir, 'lock');
  const started = join(stateDir, 'server.json');
  return withDirLock(lock, { timeoutMs: 90_000, pollMs: 50 }, async () => {
    if (!existsSync(started)) {
      const server = await startPostgresServer(bin, join(stateDir, 'server'));
      writeFileSync(started, JSON.stringify(server));
    }
    return (JSON.parse(readFileSync(started, 'utf8')) as { url: string }).url;
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

/** Migrated storages for the tests of a file (see {@link postgresStorages}). */
export interface PostgresStorages {
  /** A storage on a pool of its own (4 connections), on `schema`: a new one, or one in use for another instance. */
  open(schema?: string): Promise<PostgresStorage>;
  /**
   * A storage on a new schema over a pool made from `config`, which the test may query too: with `max: 1`, the
   * very session the storage uses.
   */
  onPool(
    config: Omit<pg.PoolConfig, 'connectionString'>,
    options?: { preparedStatements?: boolean },
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
