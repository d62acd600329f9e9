import { afterAll, expect, it } from 'vitest';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { describePostgres, dropSchema, postgresUrl, uniqueSchema } from '../helpers/postgres.js';
import { runMultiInstanceTest } from './multi-instance-harness.js';

const schema = uniqueSchema('cluster');
afterAll(() => dropSchema(schema));

describePostgres('three scheduler processes on one Postgres database', () => {
  it('run every occurrence of 200 jobs due every second for 20 s exactly once, across a SIGKILL', async () => {
    const connectionString = await postgresUrl();
    const result = await runMultiInstanceTest({
      storage: { kind: 'postgres', connectionString, schema },
      open: () => new PostgresStorage({ connectionString, schema }),
      jobs: 200,
      seconds: 20,
      killAt: 10,
      leaseMs: 2_000,
      handlerMs: 300,
    });
    // The killed instance's runs in their handlers were taken over by the others.
    expect(result.recoveries).toBeGreaterThan(0);
    const total = [...result.ranBy.values()].reduce((a, b) => a + b, 0);
    // Each instance did a real share: the two survivors all along, the killed one for its first half. Unlike
    // SQLite's one writer, Postgres claims run side by side (SKIP LOCKED), so the four batches of a second
    // spread over the instances (typically 35-45% for a survivor, 15-20% for the killed one); the harness
    // also checks that each instance claims on its own.
    expect(result.ranBy.get('a') ?? 0).toBeGreaterThan(total * 0.15);
    expect(result.ranBy.get('b') ?? 0).toBeGreaterThan(total * 0.15);
    expect(result.ranBy.get('c') ?? 0).toBeGreaterThan(total * 0.05);
  }, 140_000);
});
