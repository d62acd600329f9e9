import { expect, it } from 'vitest';
import type { Clock } from '../../../src/clock.js';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { attempt, delivery, minimalJob } from '../../../src/testing/storage-suite/fixtures.js';
import { describePostgres, postgresStorages, withPool } from '../../helpers/postgres.js';
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
    const failure = (step: string) => ({
      name: 'CronhookError',
      code: 'ERR_STORAGE',
      message: expect.stringContaining(step),
    });
    await expect(storage.getMessage('m')).rejects.toMatchObject(failure('read a message'));
    await expect(storage.getDeliveryEndpoint!('ep')).rejects.toMatchObject(failure('read an endpoint'));
    await withPool((pool) => pool.query(`DROP TABLE "${storage.schema}".deliveries CASCADE`));
    const done = {
      ...delivery('d', 'm', 'ep'),
      status: 'succeeded' as const,
      attempts: 1,
      nextAttemptAt: null,
    };
    await expect(
      storage.completeAttempt({
        delivery: done,
        attempt: attempt('a', 'd', { statusCode: 200, error: null }),
      }),
    ).rejects.toMatchObject(failure('record a delivery attempt'));
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
