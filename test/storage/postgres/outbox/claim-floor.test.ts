import { expect, it } from 'vitest';
import type { PostgresStorage } from '../../../../src/storage/postgres/index.js';
import { FULL_READ_MS } from '../../../../src/storage/postgres/outbox/claim-floor.js';
import { POSTGRES_SCHEMA_VERSION } from '../../../../src/storage/postgres/schema.js';
import { at, delivery, endpoint, message } from '../../../../src/testing/storage-suite/fixtures.js';
import {
  describePostgres,
  postgresStorages,
  uniqueSchema,
  withPool,
  writeOutboxAtVersion,
} from '../../../helpers/postgres.js';
import { useCleanups } from '../../../helpers/test-lifecycle.js';

// Schema version 21 (migrations/claim-floor.ts): claims read the claim index from the first delivery the
// instance's last claim took, not through the entries delivered deliveries leave before it until a vacuum.
describePostgres('PostgresStorage claim floor', () => {
  const cleanups = useCleanups();
  const { open } = postgresStorages(cleanups);
  const id = (i: number) => `d-${String(i).padStart(5, '0')}`;

  /** Deliveries `from` .. `to - 1` to `endpointId`, delivery i due at at(i). */
  async function store(storage: PostgresStorage, from: number, to: number, endpointId = 'ep') {
    await storage.insertMessage({
      message: message(`m-${endpointId}-${from}`),
      deliveries: Array.from({ length: to - from }, (_, k) =>
        delivery(id(from + k), `m-${endpointId}-${from}`, endpointId, { nextAttemptAt: at(from + k) }),
      ),
    });
  }

  const claim = (storage: PostgresStorage, now: number, limit: number, excluded: string[] = []) =>
    storage
      .claimDeliveries({
        now: at(now),
        limit,
        instanceId: 'i',
        leaseMs: 60_000,
        excludeEndpointIds: excluded,
      })
      .then((claimed) => claimed.map((d) => d.id));

  it('a claim from a floor does not read the entries delivered deliveries left before it', async () => {
    const storage = await open();
    const t = `"${storage.schema}"`;
    await storage.insertEndpoint(endpoint('ep'));
    const delivered = 5_000;
    await withPool(async (pool) => {
      // No vacuum meanwhile: it would remove the entries this is about.
      await pool.query(`ALTER TABLE ${t}.deliveries SET (autovacuum_enabled = false)`);
      await pool.query(
        `INSERT INTO ${t}.deliveries (id, message_id, endpoint_id, topic, status, attempts, next_attempt_at,
           created_at, updated_at)
         SELECT 'd-' || lpad(i::text, 5, '0'), 'm', 'ep', 'x', 'pending', 0, i, 0, 0 FROM generate_series(0, $1) i`,
        [delivered + 10],
      );
      // Delivered as outcomes record them: a row version outside the claim index's predicate.
      await pool.query(
        `UPDATE ${t}.deliveries SET status = 'succeeded', next_attempt_at = NULL, attempts = 1
         WHERE id < $1`,
        [id(delivered)],
      );
    });
    /** The first delivery a claim from `floor` takes, and the buffers it reads (in a transaction undone). */
    const claimFrom = (floor: [number, string] | [null, null]) =>
      withPool(async (pool) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query('SAVEPOINT explained'); // EXPLAIN ANALYZE leases what it takes
          const { rows } = await client.query(
            `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
             SELECT * FROM ${t}.claim_deliveries($1, 1, 'x', $2, '{}', $3, $4)`,
            [delivered + 100, delivered + 60_000, ...floor],
          );
          await client.query('ROLLBACK TO SAVEPOINT explained');
          const taken = await client.query(
            `SELECT delivery->>'id' AS id FROM ${t}.claim_deliveries($1, 1, 'x', $2, '{}', $3, $4)`,
            [delivered + 100, delivered + 60_000, ...floor],
          );
          await client.query('ROLLBACK');
          const plan = (rows[0]['QUERY PLAN'] as { Plan: Record<string, number> }[])[0]!.Plan;
          return { id: taken.rows[0]?.id, buffers: plan['Shared Hit Blocks']! + plan['Shared Read Blocks']! };
        } finally {
          client.release();
        }
      });
    const fromStart = await claimFrom([null, null]);
    const fromFloor = await claimFrom([delivered, id(delivered)]);
    expect(fromStart.id).toBe(id(delivered));
    expect(fromFloor.id).toBe(id(delivered));
    // 5,000 entries fill ~20 index pages, read from the start; from the floor, a descent of the index.
    expect(fromStart.buffers - fromFloor.buffers).toBeGreaterThan(10);
  });

  it('a delivery handed back below the floor is taken by the next claim that finds fewer from the floor', async () => {
    const storage = await open();
    await storage.insertEndpoint(endpoint('ep'));
    await store(storage, 0, 10);
    expect(await claim(storage, 100, 4)).toEqual([id(0), id(1), id(2), id(3)]);
    expect(await claim(storage, 100, 4)).toEqual([id(4), id(5), id(6), id(7)]);
    const handedBack = (await storage.getDelivery(id(1)))!;
    await storage.updateDelivery({ ...handedBack, lockedBy: null, lockedUntil: null });
    expect(await claim(storage, 100, 4)).toEqual([id(1), id(8), id(9)]);
  });

  it('behind claims that fill from the floor, a delivery handed back below it waits at most FULL_READ_MS', async () => {
    const storage = await open();
    await storage.insertEndpoint(endpoint('ep'));
    await store(storage, 0, 20);
    expect(await claim(storage, 100, 4)).toEqual([id(0), id(1), id(2), id(3)]);
    expect(await claim(storage, 100, 4)).toEqual([id(4), id(5), id(6), id(7)]);
    const handedBack = (await storage.getDelivery(id(1)))!;
    await storage.updateDelivery({ ...handedBack, lockedBy: null, lockedUntil: null });
    expect(await claim(storage, 100 + FULL_READ_MS - 1, 4)).toEqual([id(8), id(9), id(10), id(11)]);
    expect(await claim(storage, 100 + FULL_READ_MS, 4)).toEqual([id(1), id(12), id(13), id(14)]);
  });

  it('a claim that leaves endpoints out does not move the floor past their deliveries', async () => {
    const storage = await open();
    await storage.insertEndpoint(endpoint('a'));
    await storage.insertEndpoint(endpoint('b'));
    // a's deliveries due at even instants, b's at odd ones.
    for (let i = 0; i < 10; i++) await store(storage, i, i + 1, i % 2 === 0 ? 'a' : 'b');
    expect(await claim(storage, 100, 2, ['a'])).toEqual([id(1), id(3)]);
    expect(await claim(storage, 100, 2)).toEqual([id(0), id(2)]);
    expect(await claim(storage, 100, 2)).toEqual([id(4), id(5)]);
  });

  it('upgrades a version 20 schema: claims read from a floor, and the claim of version 13 still serves older instances', async () => {
    const schema = uniqueSchema();
    const t = `"${schema}"`;
    await writeOutboxAtVersion(t, 20); // d-1 leased by 'old' until at(60_000), d-2 due at(0), d-3 at(5_000)
    const storage = await open(schema);
    expect(
      (await withPool((pool) => pool.query(`SELECT max(version) AS v FROM ${t}.schema_migrations`))).rows[0]
        .v,
    ).toBe(POSTGRES_SCHEMA_VERSION);
    // An instance of version 20, during a rolling deploy.
    const old = await withPool((pool) =>
      pool.query(`SELECT delivery->>'id' AS id FROM ${t}.claim_deliveries($1, 1, 'old', $2, '{}')`, [
        at(0).getTime(),
        at(60_000).getTime(),
      ]),
    );
    expect(old.rows.map((row) => row.id)).toEqual(['d-2']);
    // Then the fan-out due at(1_000) (two deliveries) and d-3, from the start, then from the floor.
    const claimed = await claim(storage, 5_000, 2);
    expect(claimed).toHaveLength(2);
    expect(await claim(storage, 5_000, 2)).toEqual(['d-3']);
  });
});
