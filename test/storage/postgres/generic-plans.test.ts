import pg from 'pg';
import { expect, it } from 'vitest';
import { newId } from '../../../src/notifier/ids.js';
import type { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { at, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
import {
  describePostgres,
  fannedDeliveries,
  postgresStorages,
  postgresUrl,
  uniqueSchema,
  useOwnDatabase,
  writeOutboxAtVersion,
} from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

// The plans counted here are this file's alone: other files' schema changes, in the shared database, would
// make the server plan these statements again.
useOwnDatabase();

const ENDPOINTS = 50;
/** Fan-outs for the 36 claims of 60 in expectPlannedOnce. */
const FANOUTS = 50;

/**
 * A connection of its own that counts the plans the server makes for it (`log_planner_stats`: each plan
 * made, the statements inside functions included, is reported to the client as a message).
 */
async function planCounter() {
  const client = new pg.Client({ connectionString: await postgresUrl() });
  await client.connect();
  let plans = 0;
  client.on('notice', (notice) => {
    if (notice.message === 'PLANNER STATISTICS') plans++;
  });
  await client.query('SET log_planner_stats = on; SET client_min_messages = log');
  return { client, plans: () => plans };
}

/** `count` messages fanned out to endpoints wide-0 .. wide-(ENDPOINTS - 1), due 1 ms apart from at(from). */
async function fanOut(storage: PostgresStorage, from: number, count: number): Promise<void> {
  const endpointIds = Array.from({ length: ENDPOINTS }, (_, i) => `wide-${i}`);
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      storage.insertFanout!({
        message: message(newId('msg', at(from + i).getTime()), { createdAt: at(from + i) }),
        endpointIds,
        nextAttemptAt: at(from + i),
      }),
    ),
  );
}

/** The claim as the storage sends it: a named prepared statement, planned once on the connection. */
const claimOn = (client: pg.Client, schema: string, limit: number) =>
  client.query({
    name: 'claim',
    text: `SELECT count(*)::integer AS n FROM "${schema}".claim_deliveries($1, $2, 'x', $3, '{}')`,
    values: [at(3_600_000).getTime(), limit, at(7_200_000).getTime()],
  });

// Schema version 14 (migrations/plans.ts): the statements a delivery claim runs on fan-outs (the batch of due
// fan-outs, write_fanouts' INSERT and DELETE) use a generic plan, made once per connection, where PL/pgSQL
// planned them again at every call; that plan reads the fan-outs by index at any table size.
describePostgres('PostgresStorage generic plans of fan-out claims', () => {
  const cleanups = useCleanups();
  const { open } = postgresStorages(cleanups);

  /** Endpoints wide-0 .. wide-(ENDPOINTS - 1) in `storage` (a new one when none is given). */
  async function withEndpoints(storage?: PostgresStorage): Promise<PostgresStorage> {
    const s = storage ?? (await open());
    for (let i = 0; i < ENDPOINTS; i++) await s.insertEndpoint(endpoint(`wide-${i}`));
    return s;
  }

  /** Claims that write fan-outs, on a connection of their own, plan nothing after their first calls. */
  async function expectPlannedOnce(storage: PostgresStorage): Promise<void> {
    await fanOut(storage, 0, FANOUTS);
    const { client, plans } = await planCounter();
    cleanups.push(() => client.end());
    // Each claim of 60 writes at least one fan-out of 50: the batch query, the INSERT and the DELETE run.
    const claim = async () => expect((await claimOn(client, storage.schema, 60)).rows[0].n).toBe(60);
    for (let i = 0; i < 6; i++) await claim();
    const before = plans();
    for (let i = 0; i < 30; i++) await claim();
    // Planned again at each call (schema version 13), these 30 claims made 22 plans; with generic plans none,
    // or a few when autovacuum analyzes a table meanwhile (its plans are made again).
    expect(plans() - before).toBeLessThan(8);
  }

  it('claims that write fan-outs plan nothing once the connection has planned each statement', async () => {
    const storage = await withEndpoints();
    await expectPlannedOnce(storage);
    expect(await storage.listDeliveries({ status: 'pending', limit: 5_000 })).toHaveLength(
      FANOUTS * ENDPOINTS,
    );
  });

  it('a generic plan made while there were few fan-outs still reads them by index once there are many', async () => {
    const storage = await withEndpoints();
    await fanOut(storage, 0, 2);
    const { client } = await planCounter();
    cleanups.push(() => client.end());
    const fanoutReads = async () => {
      const { rows } = await client.query(
        `SELECT seq_scan, idx_tup_fetch FROM pg_stat_xact_user_tables WHERE schemaname = $1 AND relname = 'fanouts'`,
        [storage.schema],
      );
      return { seqScans: Number(rows[0].seq_scan), fetched: Number(rows[0].idx_tup_fetch) };
    };
    // The plans are made while the table holds two rows, in claims rolled back.
    for (let i = 0; i < 8; i++) {
      await client.query('BEGIN');
      expect((await claimOn(client, storage.schema, 60)).rows[0].n).toBe(60);
      await client.query('ROLLBACK');
    }
    await fanOut(storage, 10, 3_000);
    const claimReads = async () => {
      await client.query('BEGIN');
      const before = await fanoutReads();
      expect((await claimOn(client, storage.schema, 60)).rows[0].n).toBe(60);
      const after = await fanoutReads();
      await client.query('ROLLBACK');
      return { seqScans: after.seqScans - before.seqScans, fetched: after.fetched - before.fetched };
    };
    // Two fan-outs of 50 give the 60 deliveries: a handful of fan-out rows read, not 3,000.
    const kept = await claimReads();
    expect(kept.seqScans).toBe(0);
    expect(kept.fetched).toBeLessThan(20);
    // Once analyzed (the plans are made again, for a large table), the same.
    await client.query(`ANALYZE "${storage.schema}".fanouts`);
    const analyzed = await claimReads();
    expect(analyzed.seqScans).toBe(0);
    expect(analyzed.fetched).toBeLessThan(20);
  });

  it('upgrades a version 13 schema: leases and due order hold, and its claims plan once', async () => {
    const schema = uniqueSchema('plans');
    const fannedId = await writeOutboxAtVersion(`"${schema}"`, 13);
    const storage = await open(schema);
    const fanned = fannedDeliveries(fannedId).map((d) => d.id);
    expect(await storage.getDelivery('d-1')).toMatchObject({ lockedBy: 'old', lockedUntil: at(60_000) });
    const claimed = await storage.claimDeliveries({
      now: at(10_000),
      limit: 10,
      instanceId: 'new',
      leaseMs: 1_000,
    });
    expect(claimed.map((d) => d.id)).toEqual(['d-2', ...fanned, 'd-3']);
    await expectPlannedOnce(await withEndpoints(storage));
  });
});
