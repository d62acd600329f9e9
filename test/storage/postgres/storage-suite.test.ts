import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { testStorage } from '../../../src/testing/storage.js';
import { describePostgres, dropSchema, postgresUrl, uniqueSchema } from '../../helpers/postgres.js';

describePostgres('Postgres', () => {
  testStorage(
    'PostgresStorage',
    async () => new PostgresStorage({ connectionString: await postgresUrl(), schema: uniqueSchema('suite') }),
    {
      cleanup: (storage) => dropSchema((storage as PostgresStorage).schema),
      // Another instance on the same schema: the fan-out tests' second storage.
      reopen: async (storage) =>
        new PostgresStorage({
          connectionString: await postgresUrl(),
          schema: (storage as PostgresStorage).schema,
          max: 4,
        }),
    },
  );
});
