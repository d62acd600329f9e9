import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { POSTGRES_SCHEMA_VERSION } from '../../src/storage/postgres/schema.js';
import { SQLITE_SCHEMA_VERSION } from '../../src/storage/sqlite/schema.js';
import type { StorageConfig } from '../fixtures/open-storage.js';
import type { SetupStep } from '../fixtures/setup-instance.js';
import { describePostgres, dropSchema, postgresUrl, uniqueSchema, withPool } from '../helpers/postgres.js';
import { useTempDir } from '../helpers/test-lifecycle.js';
import { startTogether } from './setup-harness.js';

const INSTANCES = 4;
// Each test starts INSTANCES processes (node with tsx), some twice, and waits up to 30 s for each phase
// (startTogether): on a loaded machine starting them alone can outlast vitest's default 30 s per test.
vi.setConfig({ testTimeout: 120_000 });
const temp = useTempDir('setup');

/** Each instance adds its own job and endpoint before anything was migrated: its first use of storage. */
const ownJobAndEndpoint = (i: number): SetupStep[] => [
  {
    kind: 'addJob',
    definition: { id: `job-${i}`, schedule: { every: '1h' }, target: { url: `https://svc.example/${i}` } },
  },
  { kind: 'addEndpoint', input: { url: `https://hooks.example/${i}`, topics: ['job.*'] } },
];

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const job = { id: 'sync', schedule: { every: '15m' }, target: { url: 'https://billing.example/sync' } };
const endpoint = { id: 'ops', url: 'https://ops.example/hooks', topics: ['job.*'], secret: SECRET };
/** Every instance declares the same job and endpoint: round 1 on a fresh database, round 2 with a change. */
const declare = (round: 1 | 2): SetupStep[] => [
  { kind: 'upsertJob', definition: round === 1 ? job : { ...job, schedule: { every: '10m' } } },
  { kind: 'upsertEndpoint', input: round === 1 ? endpoint : { ...endpoint, topics: ['*'] } },
];

/** Runs both rounds; each round's outcomes per step, sorted, across instances. */
async function declareTwice(storage: StorageConfig): Promise<string[][]> {
  const rounds: string[][] = [];
  for (const round of [1, 2] as const) {
    const outcomes = await startTogether(
      storage,
      Array.from({ length: INSTANCES }, () => declare(round)),
    );
    for (const step of [0, 1]) {
      rounds.push(outcomes.map((steps) => JSON.stringify(steps[step])).sort());
    }
  }
  return rounds;
}

/** One instance reports `first`, the others 'unchanged' (sorted as declareTwice sorts). */
const once = (first: string) =>
  [
    JSON.stringify({ result: first }),
    ...Array.from({ length: INSTANCES - 1 }, () => JSON.stringify({ result: 'unchanged' })),
  ].sort();

const everyStepSucceeded = (outcomes: unknown[][]) =>
  outcomes.map((steps) => steps.map((o) => ('error' in (o as object) ? o : 'ok')));

describe('instances starting together on a fresh SQLite file', () => {
  it('migrate it once on first use, and every one can add its jobs and endpoints before start()', async () => {
    const path = temp.file('fresh.db');
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

describe('instances declaring the same job and endpoint together on SQLite', () => {
  it('end with one job and one endpoint: one instance creates each, and one applies a change', async () => {
    const path = temp.file('declared.db');
    const storage: StorageConfig = { kind: 'sqlite', path };
    expect(await declareTwice(storage)).toEqual([
      once('created'),
      once('created'),
      once('updated'),
      once('updated'),
    ]);
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      expect(db.prepare('SELECT id, schedule FROM cronhook_jobs').all()).toEqual([
        { id: 'sync', schedule: expect.stringContaining('"everyMs":600000') },
      ]);
      expect(db.prepare('SELECT id, topics FROM cronhook_endpoints').all()).toEqual([
        { id: 'ops', topics: '["*"]' },
      ]);
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

  it('declaring the same job and endpoint, end with one of each: one instance creates each, and one applies a change', async () => {
    const schema = uniqueSchema('declare');
    schemas.push(schema);
    const storage: StorageConfig = { kind: 'postgres', connectionString: await postgresUrl(), schema };
    expect(await declareTwice(storage)).toEqual([
      once('created'),
      once('created'),
      once('updated'),
      once('updated'),
    ]);
    const reader = new PostgresStorage({ connectionString: await postgresUrl(), schema, autoMigrate: false });
    try {
      expect((await reader.listJobs()).map((j) => [j.id, j.schedule])).toEqual([
        ['sync', expect.objectContaining({ kind: 'every', everyMs: 600_000 })],
      ]);
      expect((await reader.listEndpoints()).map((e) => [e.id, e.topics])).toEqual([['ops', ['*']]]);
    } finally {
      await reader.close();
    }
  });
});
