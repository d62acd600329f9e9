/**
 * Run requests across processes: a scheduler that never starts (as the CLI or an admin page) asks for runs
 * of a handler job through the database; three instances serve it, two with the handler and one without.
 * Every run is taken once, by an instance that has the handler, and waitForRun sees each outcome.
 */
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/types.js';
import type { StorageConfig } from '../fixtures/open-storage.js';
import { type FixtureProcess, spawnFixture } from '../helpers/child-process.js';
import { describePostgres, dropSchema, postgresUrl, uniqueSchema } from '../helpers/postgres.js';
import { useTempDir } from '../helpers/test-lifecycle.js';

const REQUESTS = 20;

async function requestAcrossInstances(config: StorageConfig, storage: Storage): Promise<void> {
  const asker = new Scheduler({ storage });
  await asker.upsertJob({ id: 'manual', schedule: { every: '1d' }, target: { handler: 'record' } });
  const instances = new Map<string, FixtureProcess>();
  try {
    for (const [instanceId, withoutHandler] of [
      ['a', false],
      ['b', false],
      ['c', true],
    ] as const) {
      const settings = {
        storage: config,
        instanceId,
        leaseMs: 5_000,
        concurrency: 4,
        handlerMs: 50,
        withoutHandler,
      };
      instances.set(instanceId, spawnFixture('scheduler-instance.ts', [JSON.stringify(settings)]));
    }
    await Promise.all([...instances.values()].map((p) => p.waitFor((m) => m.type === 'ready', 30_000)));
    const requested = await Promise.all(Array.from({ length: REQUESTS }, () => asker.requestRun('manual')));
    const finished = await Promise.all(requested.map((r) => asker.waitForRun(r.id, { timeoutMs: 30_000 })));
    expect(finished.map((r) => r.status)).toEqual(requested.map(() => 'succeeded'));
    for (const run of finished) expect(['a', 'b']).toContain(run.instanceId);
    const ranNow = () =>
      [...instances.entries()].flatMap(([id, p]) =>
        p.messages.filter((m) => m.type === 'ran').map((m) => ({ id, runId: m.runId as string })),
      );
    // A handler reports 'ran' before its run is stored as succeeded, but the report comes through the child's
    // stdout, which this process may read after its poll of the storage has seen every run finished.
    await vi.waitFor(() => expect(ranNow().length).toBeGreaterThanOrEqual(REQUESTS), { timeout: 10_000 });
    const ran = ranNow();
    expect(ran.map((r) => r.runId).sort()).toEqual(requested.map((r) => r.id).sort()); // each once
    for (const r of ran) expect(finished.find((f) => f.id === r.runId)?.instanceId).toBe(r.id);
    expect(instances.get('c')?.messages.filter((m) => m.type === 'error')).toEqual([]);
  } finally {
    for (const p of instances.values()) p.kill('SIGTERM');
    await Promise.all([...instances.values()].map((p) => p.exited));
    await storage.close?.();
  }
}

describe('run requests across processes on one SQLite file', () => {
  const dir = useTempDir('requests').path;

  it('each requested run is taken once, by an instance that has the handler', async () => {
    const path = join(dir, 'requests.db');
    await requestAcrossInstances(
      { kind: 'sqlite', path, shared: true },
      new SqliteStorage({ path, shared: true }),
    );
  });
});

describePostgres('run requests across processes on Postgres', () => {
  it('each requested run is taken once, by an instance that has the handler', async () => {
    const schema = uniqueSchema('requests');
    const connectionString = await postgresUrl();
    try {
      await requestAcrossInstances(
        { kind: 'postgres', connectionString, schema },
        new PostgresStorage({ connectionString, schema }),
      );
    } finally {
      await dropSchema(schema);
    }
  });
});
