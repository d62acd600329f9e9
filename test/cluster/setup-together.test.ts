import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { POSTGRES_SCHEMA_VERSION } from '../../src/storage/postgres/schema.js';
import { SQLITE_SCHEMA_VERSION } from '../../src/storage/sqlite/schema.js';
import type { StorageConfig } from '../fixtures/open-storage.js';
import type { SetupStep } from '../fixtures/setup-instance.js';
import { describePostgres, dropSchema, postgresUrl, uniqueSchema, withPool } from '../helpers/postgres.js';
import { startTogether } from './setup-harness.js';

const INSTANCES = 4;
const dir = mkdtempSync(join(tmpdir(), 'cronhook-setup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Each instance adds its own job and endpoint before anything was migrated: its first use of storage. */
const ownJobAndEndpoint = (i: number): SetupStep[] => [
  {
    kind: 'addJob',
    definition: { id: `job-${i}`, schedule: { every: '1h' }, target: { url: `https://svc.example/${i}` } },
  },
  { kind: 'addEndpoint', input: { url: `https://hooks.example/${i}`, topics: ['job.*'] } },
];

const everyStepSucceeded = (outcomes: unknown[][]) =>
  outcomes.map((steps) => steps.map((o) => ('error' in (o as object) ? o : 'ok')));

describe('instances starting together on a fresh SQLite file', () => {
  it('migrate it once on first use, and every one can add its jobs and endpoints before start()', async () => {
    const path = join(dir, `fresh-${n++}.db`);
    const storage: StorageConfig = { kind: 'sqlite', path };
    const outcomes = await startTogether(
      storage,
      Array.from({ length: INSTANCES }, (_, i) => ownJobAndEndpoint(i)),
    );
    expect(everyStepSucceeded(outcomes)).toEqual(Array.from({ length: INSTANCES }, () => ['ok', 'ok']));
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const versions = db.prepare('SELECT version FROM cronhook_migrations ORDER BY version').all();
      expect(versions.map((v) => v.version)).toEqual(
        Array.from({ length: SQLITE_SCHEMA_VERSION }, (_, i) => i + 1),
      );
      expect(db.prepare('SELECT count(*) AS n FROM cronhook_jobs').get()?.n).toBe(INSTANCES);
      expect(db.prepare('SELECT count(*) AS n FROM cronhook_endpoints').get()?.n).toBe(INSTANCES);
    } finally {
      db.close();
    }
  });
});

describePostgres('instances starting together on a fresh Postgres schema', () => {
  const schemas: string[] = [];
  afterEach(async () => {
    for (const schema of schemas.splice(0)) await dropSchema(schema);
  });

  it('migrate it once on first use, and every one can add its jobs and endpoints before start()', async () => {
    const schema = uniqueSchema('setup');
    schemas.push(schema);
    const storage: StorageConfig = { kind: 'postgres', connectionString: await postgresUrl(), schema };
    const outcomes = await startTogether(
      storage,
      Array.from({ length: INSTANCES }, (_, i) => ownJobAndEndpoint(i)),
    );
    expect(everyStepSucceeded(outcomes)).toEqual(Array.from({ length: INSTANCES }, () => ['ok', 'ok']));
    await withPool(async (pool) => {
      const versions = await pool.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
      expect(versions.rows.map((v) => v.version)).toEqual(
        Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1),
      );
    });
    const reader = new PostgresStorage({ connectionString: await postgresUrl(), schema, autoMigrate: false });
    try {
      expect(await reader.listJobs()).toHaveLength(INSTANCES);
      expect(await reader.listEndpoints()).toHaveLength(INSTANCES);
    } finally {
      await reader.close();
    }
  });
});
