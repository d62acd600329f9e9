import { expect, it } from 'vitest';
import { newId } from '../../../src/notifier/ids.js';
import { fanoutDeliveries } from '../../../src/storage/fanout.js';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { DELIVERIES_FILLFACTOR } from '../../../src/storage/postgres/migrations/leases.js';
import { at, delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
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

// Schema version 12 (migrations/leases.ts): a claim's lease changes no indexed column, so its row version is
// HOT (no index entry) when its page has room, which the table's fillfactor keeps.
describePostgres('PostgresStorage leases', () => {
  const cleanups = useCleanups();

  async function open(schema = uniqueSchema('lease')): Promise<PostgresStorage> {
    const storage = new PostgresStorage({ connectionString: await postgresUrl(), schema, max: 2 });
    cleanups.push(
      () => dropSchema(schema),
      () => storage.close(),
    );
    return storage;
  }

  /** Runs `sql` in a transaction of its own; returns its rows and the updates it made to `t`.deliveries. */
  const updatesOf = (t: string, sql: string) =>
    withPool(async (pool) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query(sql);
        const stats = await client.query(
          `SELECT n_tup_upd AS updated, n_tup_hot_upd AS hot FROM pg_stat_xact_user_tables
           WHERE relid = $1::regclass`,
          [`${t}.deliveries`],
        );
        await client.query('COMMIT');
        return { rows, updated: Number(stats.rows[0].updated), hot: Number(stats.rows[0].hot) };
      } finally {
        client.release();
      }
    });

  it('a claim leases deliveries, stored or fanned out, with HOT updates only', async () => {
    const storage = await open();
    await storage.migrate();
    const t = `"${storage.schema}"`;
    const endpointIds = Array.from({ length: 20 }, (_, i) => `ep-${String(i).padStart(2, '0')}`);
    for (const id of endpointIds) await storage.insertEndpoint(endpoint(id));
    for (let i = 0; i < 40; i++) {
      const id = `m-${String(i).padStart(2, '0')}`;
      await storage.insertMessage({ message: message(id), deliveries: [delivery(`d-${id}`, id, 'ep-00')] });
    }
    const claim = (limit: number) =>
      updatesOf(
        t,
        `SELECT * FROM ${t}.claim_deliveries(${at(0).getTime()}, ${limit}, 'i', ${at(1_000).getTime()}, '{}', NULL, NULL)`,
      );
    const stored = await claim(40);
    expect(stored).toMatchObject({ updated: 40, hot: 40 });
    expect(stored.rows).toHaveLength(40);
    // A fan-out's delivery rows are written by the claim that takes them, already leased (schema version 22):
    // no second row version at all. Of a fan-out wider than the claim, the rest is written unleased.
    const m = message(newId('msg', at(0).getTime()), { createdAt: at(0) });
    await storage.insertFanout!({ message: m, endpointIds, nextAttemptAt: at(0) });
    const fanned = await claim(15);
    expect(fanned).toMatchObject({ updated: 0, hot: 0 });
    const written = fanoutDeliveries(m, endpointIds, at(0)).map((d) => d.id);
    expect(fanned.rows.map((row) => (row.delivery as { id: string }).id).sort()).toEqual(
      written.slice(0, 15),
    );
    expect(fanned.rows.map((row) => (row.delivery as { locked_by: string }).locked_by)).toEqual(
      Array(15).fill('i'),
    );
    // The rest were stored by that claim, unleased: the next claim leases them as any stored delivery.
    const rest = await claim(20);
    expect(rest).toMatchObject({ updated: 5, hot: 5 });
    expect(rest.rows.map((row) => (row.delivery as { id: string }).id).sort()).toEqual(written.slice(15));
    // The lease is on the row: nothing is claimable until it ends, and then it is due.
    expect(await storage.claimDeliveries({ now: at(999), limit: 100, instanceId: 'j', leaseMs: 1 })).toEqual(
      [],
    );
    expect(await storage.nextDeliveryAt()).toEqual(at(1_000));
    // A delivery due before the leases end, behind them in the claim index, is what comes next.
    const later = delivery('d-later', 'm-later', 'ep-01', { nextAttemptAt: at(500) });
    await storage.insertMessage({ message: message('m-later'), deliveries: [later] });
    expect(await storage.nextDeliveryAt()).toEqual(at(500));
  });

  it('upgrades a version 11 schema holding pending, leased and finished deliveries and a fan-out', async () => {
    const schema = uniqueSchema('lease');
    const t = `"${schema}"`;
    // What cronhook with schema version 11 left behind, written as it wrote it.
    await writeOutboxAtVersion(t, 11);
    const storage = await open(schema);
    await storage.migrate();
    const fanned = (await withPool((pool) => pool.query(`SELECT message_id FROM ${t}.fanouts`))).rows[0]
      .message_id as string;
    const fannedIds = fannedDeliveries(fanned).map((d) => d.id);
    const options = await withPool((pool) =>
      pool.query(`SELECT reloptions FROM pg_class WHERE oid = $1::regclass`, [`${t}.deliveries`]),
    );
    expect(options.rows[0].reloptions).toEqual([`fillfactor=${DELIVERIES_FILLFACTOR}`]);
    expect(await storage.getDelivery('d-1')).toMatchObject({ lockedBy: 'old', lockedUntil: at(60_000) });
    expect(await storage.nextDeliveryAt()).toEqual(at(0));
    const claim = (offset: number) =>
      storage.claimDeliveries({ now: at(offset), limit: 10, instanceId: 'new', leaseMs: 1_000 });
    // The lease of version 11 holds; the rest come in due order.
    expect((await claim(10_000)).map((d) => d.id)).toEqual(['d-2', ...fannedIds, 'd-3']);
    expect(await storage.nextDeliveryAt()).toEqual(at(11_000));
    expect(await claim(59_999)).toHaveLength(4);
    expect((await claim(60_000)).map((d) => d.id)).toEqual(['d-1']);
    expect(await storage.getDelivery('d-0')).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});
