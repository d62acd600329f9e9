import { expect, it } from 'vitest';
import { minimalJob } from '../../../src/testing/storage-suite/fixtures.js';
import { describePostgres, postgresStorages, withPool } from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

// Where PostgresStorage keeps its data: on a pool of the app's if given one, in its own schema.
describePostgres('PostgresStorage pool and schema', () => {
  const { open, onPool } = postgresStorages(useCleanups());

  it('uses a pool passed in and leaves it open on close()', async () => {
    const { storage, pool, schema } = await onPool({ max: 3 });
    expect(storage.shared).toBe(true);
    await storage.insertJob(minimalJob('j'));
    await storage.close();
    const { rows } = await pool.query(`SELECT id FROM "${schema}".jobs`);
    expect(rows).toEqual([{ id: 'j' }]);
  });

  it('keeps its tables in the configured schema, apart from other schemas', async () => {
    const a = await open();
    const b = await open();
    await a.insertJob(minimalJob('only-in-a'));
    expect(await b.getJob('only-in-a')).toBeNull();
    const tables = await withPool(async (pool) => {
      const { rows } = await pool.query(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
        [a.schema],
      );
      return rows.map((r: { table_name: string }) => r.table_name);
    });
    expect(tables).toEqual([
      'attempts',
      'deliveries',
      'endpoints',
      'fanouts',
      'jobs',
      'messages',
      'runs',
      'schema_migrations',
    ]);
  });
});
