import pg from 'pg';
import { expect, it } from 'vitest';
import { newId } from '../../../../src/notifier/ids.js';
import { fanoutDeliveries } from '../../../../src/storage/fanout.js';
import { PostgresStorage } from '../../../../src/storage/postgres/index.js';
import { at, delivery, endpoint, message } from '../../../../src/testing/storage-suite/fixtures.js';
import {
  beforeActiveRunMigration,
  beforeAttemptKeyMigration,
  beforeClaimFloorMigration,
  beforeClaimRowsMigration,
  beforeJobLeaseMigration,
  beforeLeaseMigration,
  beforeMessageIndexMigration,
  describePostgres,
  dropSchema,
  postgresUrl,
  uniqueSchema,
  withPool,
} from '../../../helpers/postgres.js';
import { useCleanups } from '../../../helpers/test-lifecycle.js';

// Fan-outs (schema version 11, storage/postgres/fanout.ts): a publish stores one row for its endpoints, and the
// delivery rows are written by the claim that takes them or the read that needs them. Here what only several
// instances on one database, or a database migrated with rows in it, can show.
describePostgres('PostgresStorage fan-outs', () => {
  const cleanups = useCleanups();
  const claimAt = at(60_000);

  /** `count` storages on one fresh schema, each with a pool of its own, migrated. */
  async function instances(count: number): Promise<PostgresStorage[]> {
    const schema = uniqueSchema('fanout');
    const url = await postgresUrl();
    const all = Array.from(
      { length: count },
      () => new PostgresStorage({ connectionString: url, schema, max: 3 }),
    );
    cleanups.push(() => dropSchema(schema), ...all.map((s) => () => s.close()));
    await all[0]!.migrate();
    return all;
  }

  /** A message with a generated id (fan-out delivery ids are derived from it), created at `at(offsetMs)`. */
  const fanoutMessage = (offsetMs = 0) =>
    message(newId('msg', at(offsetMs).getTime()), { createdAt: at(offsetMs) });

  const rowCount = (storage: PostgresStorage, table: string) =>
    withPool(async (pool) =>
      Number((await pool.query(`SELECT count(*) AS n FROM "${storage.schema}".${table}`)).rows[0].n),
    );

  it('claims of several instances write each fan-out once and take each delivery once, while reads write them too', async () => {
    const [publisher, ...claimers] = await instances(3);
    const ids = Array.from({ length: 10 }, (_, i) => `ep-${i}`);
    for (const id of ids) await publisher!.insertEndpoint(endpoint(id));
    const messages = Array.from({ length: 60 }, (_, i) => fanoutMessage(i));
    await Promise.all(
      messages.map((m, i) =>
        publisher!.insertFanout!({ message: m, endpointIds: ids, nextAttemptAt: at(i) }),
      ),
    );
    expect(await rowCount(publisher!, 'deliveries')).toBe(0);

    const claimed: string[] = [];
    let claiming = true;
    const reader = (async () => {
      // Reads that need delivery records write the fan-outs in their scope, racing the claims.
      for (let i = 0; claiming; i = (i + 7) % messages.length) {
        const listed = await publisher!.listDeliveries({ messageId: messages[i]!.id, limit: 100 });
        expect(listed).toHaveLength(ids.length);
      }
    })();
    await Promise.all(
      claimers.map(async (storage, c) => {
        for (;;) {
          const batch = await storage.claimDeliveries({
            now: claimAt,
            limit: 7,
            instanceId: `c${c}`,
            leaseMs: 600_000,
          });
          if (batch.length === 0) return;
          claimed.push(...batch.map((d) => d.id));
        }
      }),
    );
    claiming = false;
    await reader;
    const expected = messages.flatMap((m, i) => fanoutDeliveries(m, ids, at(i)).map((d) => d.id));
    expect(claimed).toHaveLength(expected.length);
    expect(new Set(claimed)).toEqual(new Set(expected));
    expect(await rowCount(publisher!, 'fanouts')).toBe(0);
    expect(await rowCount(publisher!, 'deliveries')).toBe(expected.length);
  });

  it('reads see the delivery records insertMessage would have stored; a delivery to an endpoint deleted before it was written never appears', async () => {
    const [a, b] = await instances(2);
    await a!.insertEndpoint(endpoint('ep-1'));
    await a!.insertEndpoint(endpoint('ep-2', { enabled: false, disabledReason: 'manual' }));
    await a!.insertEndpoint(endpoint('ep-3'));
    const m = fanoutMessage();
    const endpointIds = ['ep-3', 'ep-1', 'ep-2'];
    await a!.insertFanout!({ message: m, endpointIds, nextAttemptAt: at(10) });
    const records = fanoutDeliveries(m, endpointIds, at(10));

    // Nothing written yet: counts and the next due time come from the fan-out itself.
    expect((await b!.stats({ now: claimAt })).deliveries).toEqual({
      pending: 3,
      failed: 0,
      oldestPendingAt: at(0),
    });
    expect(await b!.nextDeliveryAt()).toEqual(at(10));
    // Another instance deletes an endpoint before any record is written.
    expect(await b!.deleteEndpoint('ep-3')).toBe(true);
    // It wrote the fan-outs holding that endpoint first, and deleted its pending delivery with the others.
    expect(await rowCount(a!, 'deliveries')).toBe(2);
    expect((await a!.stats({ now: claimAt })).deliveries.pending).toBe(2);
    expect(await a!.getDelivery(records[1]!.id)).toEqual(records[1]);
    expect(await a!.getDelivery(records[0]!.id)).toBeNull();
    expect(await a!.listDeliveries({ messageId: m.id })).toEqual([records[2], records[1]]);
    const claimed = await b!.claimDeliveries({ now: claimAt, limit: 5, instanceId: 'b', leaseMs: 1_000 });
    expect(claimed.map((d) => d.id)).toEqual([records[1]!.id]);
    // ep-2's delivery is parked with its endpoint, and goes out once it is enabled again.
    await a!.updateEndpoint(endpoint('ep-2'));
    expect(
      (await b!.claimDeliveries({ now: claimAt, limit: 5, instanceId: 'b', leaseMs: 1_000 })).map(
        (d) => d.id,
      ),
    ).toEqual([records[2]!.id]);
  });

  it('a claim takes fan-out deliveries oldest due first, among stored deliveries, past fan-outs it can take nothing from', async () => {
    const [storage] = await instances(1);
    await storage!.insertEndpoint(endpoint('on'));
    await storage!.insertEndpoint(endpoint('off', { enabled: false, disabledReason: 'manual' }));
    await storage!.insertEndpoint(endpoint('off-2', { enabled: false, disabledReason: 'manual' }));
    await storage!.insertMessage({
      message: message('m-old'),
      deliveries: [delivery('d-stored', 'm-old', 'on', { nextAttemptAt: at(30) })],
    });
    const onlyOff = fanoutMessage(1);
    const both = fanoutMessage(2);
    await storage!.insertFanout!({ message: onlyOff, endpointIds: ['off', 'off-2'], nextAttemptAt: at(10) });
    await storage!.insertFanout!({ message: both, endpointIds: ['off', 'on'], nextAttemptAt: at(20) });
    // Only fan-outs to disabled endpoints are not due work.
    const first = await storage!.claimDeliveries({ now: claimAt, limit: 1, instanceId: 'i', leaseMs: 1_000 });
    expect(first.map((d) => d.id)).toEqual([fanoutDeliveries(both, ['off', 'on'], at(20))[1]!.id]);
    expect(first[0]).toMatchObject({ lockedBy: 'i', nextAttemptAt: at(20), createdAt: at(2) });
    expect(
      (await storage!.claimDeliveries({ now: claimAt, limit: 5, instanceId: 'i', leaseMs: 1_000 })).map(
        (d) => d.id,
      ),
    ).toEqual(['d-stored']);
    expect(await storage!.nextDeliveryAt()).toEqual(new Date(claimAt.getTime() + 1_000));
  });

  it('nextDeliveryAt counts a fan-out only when one of its endpoints is enabled', async () => {
    const [storage] = await instances(1);
    await storage!.insertEndpoint(endpoint('off', { enabled: false, disabledReason: 'failing' }));
    await storage!.insertEndpoint(endpoint('off-2', { enabled: false, disabledReason: 'manual' }));
    await storage!.insertFanout!({
      message: fanoutMessage(),
      endpointIds: ['off', 'off-2'],
      nextAttemptAt: at(5),
    });
    expect(await storage!.nextDeliveryAt()).toBeNull();
    await storage!.insertEndpoint(endpoint('on'));
    await storage!.insertFanout!({
      message: fanoutMessage(),
      endpointIds: ['off', 'on'],
      nextAttemptAt: at(7),
    });
    expect(await storage!.nextDeliveryAt()).toEqual(at(7));
  });

  it('upgrades a version 10 schema with pending deliveries in it: they are claimed as before, and fan-outs are stored beside them', async () => {
    const [storage] = await instances(1);
    const t = `"${storage!.schema}"`;
    await storage!.insertEndpoint(endpoint('ep'));
    await storage!.insertMessage({
      message: message('m'),
      deliveries: [delivery('d-1', 'm', 'ep'), delivery('d-2', 'm', 'ep')],
    });
    // What cronhook before fan-outs left behind (its claim_deliveries is written by version 11 either way; the
    // one of version 13 returns other columns, which no later version can replace, so it goes).
    await withPool((pool) =>
      pool.query(`${beforeMessageIndexMigration(t)} ${beforeClaimRowsMigration(t)} ${beforeClaimFloorMigration(t)} DROP TABLE ${t}.fanouts; DROP FUNCTION ${t}.expand_fanouts; DROP FUNCTION ${t}.write_fanouts;
        DROP FUNCTION ${t}.fanout_delivery_id; DROP FUNCTION ${t}.complete_attempts; DROP FUNCTION ${t}.claim_deliveries;
        DROP FUNCTION ${t}.complete_outcomes;
        DROP FUNCTION ${t}.next_delivery_at; ${beforeLeaseMigration(t)} ${beforeJobLeaseMigration(t)}
        ${beforeActiveRunMigration(t)} ${beforeAttemptKeyMigration(t)}
        DELETE FROM ${t}.schema_migrations WHERE version > 10`),
    );
    const upgraded = new PostgresStorage({
      connectionString: await postgresUrl(),
      schema: storage!.schema,
      max: 2,
    });
    cleanups.push(() => upgraded.close());
    const m = fanoutMessage(1);
    await upgraded.insertEndpoint(endpoint('ep-2'));
    await upgraded.insertFanout!({ message: m, endpointIds: ['ep-2', 'ep'], nextAttemptAt: at(1) });
    const claimed = await upgraded.claimDeliveries({
      now: claimAt,
      limit: 5,
      instanceId: 'i',
      leaseMs: 1_000,
    });
    const fanned = fanoutDeliveries(m, ['ep-2', 'ep'], at(1)).map((d) => d.id);
    expect(claimed.map((d) => d.id)).toEqual(['d-1', 'd-2', ...fanned]);
  });

  it('a fan-out to one endpoint is stored as its delivery row at once', async () => {
    const [storage] = await instances(1);
    await storage!.insertEndpoint(endpoint('ep'));
    const m = fanoutMessage();
    await storage!.insertFanout!({ message: m, endpointIds: ['ep'], nextAttemptAt: at(1) });
    expect(await rowCount(storage!, 'fanouts')).toBe(0);
    expect(await storage!.getDelivery(fanoutDeliveries(m, ['ep'], at(1))[0]!.id)).toEqual(
      fanoutDeliveries(m, ['ep'], at(1))[0],
    );
  });

  it('attempt results and nextDeliveryAt read deliveries by index with plans kept from when the table was empty', async () => {
    // Delivery rows are written by claims now: a connection may plan these while the table is still empty.
    const [storage] = await instances(1);
    const t = `"${storage!.schema}"`;
    const client = new pg.Client({ connectionString: await postgresUrl() });
    await client.connect();
    cleanups.push(() => client.end());
    const calls = () =>
      Promise.all([
        client.query(`SELECT ${t}.next_delivery_at()`),
        client.query(`SELECT * FROM ${t}.complete_attempts('[]', '[]', '{d-7,d-900}')`),
        client.query(
          `SELECT * FROM ${t}.complete_outcomes('{d-7,d-900}', '{failed,failed}', '{1,1}'${", '{NULL,NULL}'".repeat(4)}, '{1,1}'${", '{}'".repeat(10)})`,
        ),
      ]);
    for (let i = 0; i < 8; i++) await calls();
    await storage!.insertEndpoint(endpoint('ep'));
    await storage!.insertMessage({
      message: message('m'),
      deliveries: Array.from({ length: 3_000 }, (_, i) => delivery(`d-${i}`, 'm', 'ep')),
    });
    const seqScans = async () =>
      Number(
        (
          await client.query(
            `SELECT seq_scan FROM pg_stat_xact_user_tables WHERE schemaname = $1 AND relname = 'deliveries'`,
            [storage!.schema],
          )
        ).rows[0].seq_scan,
      );
    await client.query('BEGIN');
    const before = await seqScans();
    await calls();
    expect((await seqScans()) - before).toBe(0);
    await client.query('ROLLBACK');
  });
});
