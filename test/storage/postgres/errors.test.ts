import { expect, it } from 'vitest';
import type { Clock } from '../../../src/clock.js';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { minimalJob } from '../../../src/testing/storage-suite/fixtures.js';
import { describePostgres, postgresStorages, withPool } from '../../helpers/postgres.js';
import { expectAttemptStepsFail } from '../../helpers/storage.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

// What PostgresStorage refuses, and the coded errors it answers with.
describePostgres('PostgresStorage errors', () => {
  const { open } = postgresStorages(useCleanups());

  it('refuses text PostgreSQL cannot hold (NUL) with ERR_STORAGE, storing nothing', async () => {
    const storage = await open();
    await expect(storage.insertJob(minimalJob('j', { name: 'a\u0000b' }))).rejects.toMatchObject({
      code: 'ERR_STORAGE',
    });
    expect(await storage.getJob('j')).toBeNull();
  });

  it('reports driver failures as ERR_STORAGE', async () => {
    const storage = await open();
    await withPool((pool) => pool.query(`DROP TABLE "${storage.schema}".jobs`));
    await expect(storage.getJob('j')).rejects.toMatchObject({
      name: 'CronhookError',
      code: 'ERR_STORAGE',
      message: expect.stringContaining('read a job'),
    });
  });

  it("reports driver failures of an attempt's reads and outcome as ERR_STORAGE naming the step", async () => {
    const storage = await open();
    await withPool((pool) =>
      pool.query(`DROP TABLE "${storage.schema}".messages, "${storage.schema}".endpoints CASCADE`),
    );
    await expectAttemptStepsFail(storage, () =>
      withPool((pool) => pool.query(`DROP TABLE "${storage.schema}".deliveries CASCADE`)),
    );
  });

  it('validates its options without echoing a connection string', () => {
    const secretUrl = 'postgres://app:hunter2@db.internal:5432/app';
    expect(() => new PostgresStorage({ connectionString: secretUrl, schema: 'bad-name' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'schema' }),
    );
    expect(() => new PostgresStorage({ connectionString: '' })).toThrow(
      expect.objectContaining({ field: 'connectionString' }),
    );
    expect(() => new PostgresStorage({ connectionString: secretUrl, max: 0 })).toThrow(/max/);
    expect(
      () => new PostgresStorage({ connectionString: secretUrl, autoMigrate: 'no' as unknown as boolean }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'autoMigrate' }));
    expect(
      () => new PostgresStorage({ connectionString: secretUrl, preparedStatements: 1 as unknown as boolean }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'preparedStatements' }));
    expect(
      () => new PostgresStorage({ connectionString: secretUrl, clock: Date.now as unknown as Clock }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'clock' }));
    expect(() => new PostgresStorage({ connectionString: secretUrl, schema: 'x;drop' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});
