import { expect, it } from 'vitest';
import { newId } from '../../../src/notifier/ids.js';
import type { DeliveryRecord } from '../../../src/notifier/types.js';
import { fanoutDeliveries } from '../../../src/storage/fanout.js';
import type { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { at, delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
import {
  describePostgres,
  fannedDeliveries,
  postgresStorages,
  uniqueSchema,
  withPool,
  writeOutboxAtVersion,
} from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

const byDue = (a: DeliveryRecord, b: DeliveryRecord) =>
  a.nextAttemptAt!.getTime() - b.nextAttemptAt!.getTime() || (a.id < b.id ? -1 : 1);

// Schema version 22 (migrations/leased-fanouts.ts): a claim inserts the fan-out deliveries it takes already
// leased, merging them with the stored deliveries in due order.
describePostgres('PostgresStorage fan-out deliveries leased as written', () => {
  const cleanups = useCleanups();
  const { open } = postgresStorages(cleanups);

  /**
   * Stored deliveries and fan-outs due at interleaved times, the same times among them, to an endpoint that
   * is disabled too; returns every delivery a claim may take (not parked), in due order.
   */
  async function interleaved(storage: PostgresStorage): Promise<DeliveryRecord[]> {
    for (const id of ['a', 'b', 'c']) await storage.insertEndpoint(endpoint(id));
    await storage.insertEndpoint(endpoint('off', { enabled: false, disabledReason: 'manual' }));
    const claimable: DeliveryRecord[] = [];
    const fanOut = async (offsetMs: number, endpointIds: string[], dueMs: number) => {
      const m = message(newId('msg', at(offsetMs).getTime()), { createdAt: at(offsetMs) });
      await storage.insertFanout!({ message: m, endpointIds, nextAttemptAt: at(dueMs) });
      claimable.push(...fanoutDeliveries(m, endpointIds, at(dueMs)).filter((d) => d.endpointId !== 'off'));
    };
    await fanOut(1, ['a', 'off', 'b', 'c'], 10);
    await fanOut(2, ['c', 'a', 'b'], 20);
    await fanOut(3, ['b', 'a'], 20);
    await fanOut(4, ['a', 'b', 'c'], 40);
    for (const [id, dueMs] of [
      ['d-05', 5],
      ['d-15', 15],
      ['dlv_', 20], // before any fan-out delivery due then
      ['dlv_~', 20], // after all of them
      ['d-30', 30],
      ['d-50', 50],
    ] as const) {
      const stored = delivery(id, `m-${id}`, 'a', { nextAttemptAt: at(dueMs) });
      await storage.insertMessage({ message: message(`m-${id}`), deliveries: [stored] });
      claimable.push(stored);
    }
    return claimable.sort(byDue);
  }

  it.each([1, 2, 3, 5, 100])(
    'claims of %i take stored and fan-out deliveries in due order, each once, leased',
    async (limit) => {
      const storage = await open();
      const expected = await interleaved(storage);
      const taken: DeliveryRecord[] = [];
      for (;;) {
        const batch = await storage.claimDeliveries({ now: at(60), limit, instanceId: 'i', leaseMs: 1_000 });
        expect(batch.length).toBeLessThanOrEqual(limit);
        if (batch.length === 0) break;
        taken.push(...batch);
      }
      expect(taken.map((d) => d.id)).toEqual(expected.map((d) => d.id));
      expect(taken.every((d) => d.lockedBy === 'i' && d.lockedUntil?.getTime() === at(1_060).getTime())).toBe(
        true,
      );
      // Every fan-out is written: the parked delivery to 'off' waits with its endpoint.
      expect(await storage.listDeliveries({ endpointId: 'off' })).toMatchObject([{ status: 'pending' }]);
    },
  );

  it('writes no fan-out while stored deliveries due before it fill the claim', async () => {
    const storage = await open();
    await interleaved(storage);
    const claimed = await storage.claimDeliveries({ now: at(60), limit: 1, instanceId: 'i', leaseMs: 1_000 });
    expect(claimed.map((d) => d.id)).toEqual(['d-05']);
    const fanouts = await withPool((pool) =>
      pool.query(`SELECT count(*) AS n FROM "${storage.schema}".fanouts`),
    );
    expect(Number(fanouts.rows[0].n)).toBe(4);
  });

  it('upgrades a version 21 schema: leased deliveries stay leased, and the rest come in due order', async () => {
    const schema = uniqueSchema('leased');
    const fannedId = await writeOutboxAtVersion(`"${schema}"`, 21);
    const storage = await open(schema);
    const fanned = fannedDeliveries(fannedId).map((d) => d.id);
    const claimed = await storage.claimDeliveries({
      now: at(10_000),
      limit: 10,
      instanceId: 'new',
      leaseMs: 1_000,
    });
    expect(claimed.map((d) => d.id)).toEqual(['d-2', ...fanned, 'd-3']);
    expect(claimed.every((d) => d.lockedBy === 'new')).toBe(true);
    expect(await storage.getDelivery('d-1')).toMatchObject({ lockedBy: 'old', lockedUntil: at(60_000) });
  });
});
