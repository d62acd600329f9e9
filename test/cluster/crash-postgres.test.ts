import { afterAll, expect, it } from 'vitest';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { describePostgres, dropSchema, postgresUrl, uniqueSchema } from '../helpers/postgres.js';
import { runCrashTest } from './crash-harness.js';

const schema = uniqueSchema('crash');
afterAll(() => dropSchema(schema));

describePostgres('crash test: webhooks from Postgres', () => {
  it('delivers every stored message with its webhook-id across 5 SIGKILLs', async () => {
    const connectionString = await postgresUrl();
    const seed = Number(process.env.CRONHOOK_CRASH_SEED ?? Date.now() % 1_000_000);
    const { published, delivered } = await runCrashTest({
      storage: { kind: 'postgres', connectionString, schema },
      open: () => new PostgresStorage({ connectionString, schema }),
      kills: 5,
      finalCount: 50,
      seed,
    });
    expect(published.size).toBeGreaterThan(50);
    expect(delivered.size).toBeGreaterThanOrEqual(published.size);
  }, 60_000);
});
