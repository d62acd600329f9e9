import { expect, it } from 'vitest';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { at, endpoint } from '../../../src/testing/storage-suite/fixtures.js';
import {
  describePostgres,
  dropSchema,
  fannedDeliveries,
  postgresUrl,
  uniqueSchema,
  withPool,
  writeOutboxAtVersion,
} from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

// Schema version 13 (migrations/leases.ts): the delivery claim returns each delivery's endpoint and message
// ids as columns, by which the claim statement reads each endpoint and message once.
describePostgres('PostgresStorage claims that return their keys', () => {
  const cleanups = useCleanups();

  it('upgrades a version 12 schema holding pending, leased and finished deliveries and a fan-out', async () => {
    const schema = uniqueSchema('keys');
    const t = `"${schema}"`;
    cleanups.push(() => dropSchema(schema));
    const fannedId = await writeOutboxAtVersion(t, 12);
    const storage = new PostgresStorage({ connectionString: await postgresUrl(), schema, max: 2 });
    cleanups.push(() => storage.close());
    await storage.migrate();
    const fanned = fannedDeliveries(fannedId).map((d) => d.id);
    expect(await storage.getDelivery('d-1')).toMatchObject({ lockedBy: 'old', lockedUntil: at(60_000) });
    expect(await storage.nextDeliveryAt()).toEqual(at(0));
    const claim = (offset: number, instanceId = 'new') =>
      storage.claimDeliveries({ now: at(offset), limit: 10, instanceId, leaseMs: 1_000 });
    // The lease of version 12 holds; the rest come in due order, the fan-out written by the claim.
    const claimed = await claim(10_000);
    expect(claimed.map((d) => d.id)).toEqual(['d-2', ...fanned, 'd-3']);
    // Each claimed delivery's endpoint and message, read by the claim statement, as stored.
    for (const d of claimed) {
      expect(await storage.getEndpoint(d.endpointId)).toEqual(endpoint(d.endpointId));
      expect((await storage.getMessage(d.messageId))?.id).toBe(d.messageId);
    }
    expect(await storage.nextDeliveryAt()).toEqual(at(11_000));
    expect((await claim(60_000)).map((d) => d.id).sort()).toEqual(['d-1', 'd-2', 'd-3', ...fanned].sort());
    expect(await storage.getDelivery('d-0')).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('keeps claims of version 12 instances working: they read the columns they name', async () => {
    const schema = uniqueSchema('keys');
    const t = `"${schema}"`;
    cleanups.push(() => dropSchema(schema));
    await writeOutboxAtVersion(t, 12);
    const storage = new PostgresStorage({ connectionString: await postgresUrl(), schema, max: 2 });
    cleanups.push(() => storage.close());
    await storage.migrate();
    // The claim statement of a version 12 instance still running during a rolling deploy.
    const { rows } = await withPool((pool) =>
      pool.query(
        `WITH c AS (SELECT * FROM ${t}.claim_deliveries($1, 10, 'old', $2, '{}'))
         SELECT c.delivery, c.due_at, CASE WHEN row_number() OVER (PARTITION BY c.delivery->>'endpoint_id') = 1
           THEN (SELECT to_json(e) FROM ${t}.endpoints e WHERE e.id = (c.delivery->>'endpoint_id') COLLATE "C")
           END AS endpoint_row FROM c ORDER BY c.due_at, c.delivery->>'id'`,
        [at(1_000).getTime(), at(2_000).getTime()],
      ),
    );
    expect(rows.map((row) => row.delivery.id)).toEqual(['d-2', expect.any(String), expect.any(String)]);
    expect(
      rows
        .filter((row) => row.endpoint_row !== null)
        .map((row) => row.endpoint_row.id)
        .sort(),
    ).toEqual(['ep', 'ep-2']);
  });
});
