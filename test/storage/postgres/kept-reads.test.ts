import { expect, it } from 'vitest';
import type { EndpointRecord } from '../../../src/notifier/types.js';
import { delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
import { describePostgres, postgresStorages } from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

// What a claim returns is kept for the attempt's next reads (its message, its endpoint), each read the
// caller's own copy.
describePostgres('PostgresStorage reads kept from claims', () => {
  const { open, onPool } = postgresStorages(useCleanups());

  it('a claimed message is read without a query after the claim, while the latest 256 claimed are kept', async () => {
    const { storage, pool } = await onPool({ max: 2 });
    await storage.insertEndpoint(endpoint('ep'));
    for (let i = 0; i < 300; i++)
      await storage.insertMessage({
        message: message(`m${i}`),
        deliveries: [delivery(`d${i}`, `m${i}`, 'ep')],
      });
    const now = new Date('2030-01-01T00:00:00.000Z');
    expect(await storage.claimDeliveries({ now, limit: 300, instanceId: 'a', leaseMs: 60_000 })).toHaveLength(
      300,
    );
    // Turns later, as for deliveries claimed ahead and sent as slots free up.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const queries: string[] = [];
    const query = pool.query.bind(pool);
    pool.query = ((...args: Parameters<typeof query>) => {
      queries.push(String(args[0]));
      return query(...args);
    }) as typeof pool.query;
    expect(await storage.getMessage('m299')).toEqual(message('m299'));
    expect(await storage.getMessage('m44')).toEqual(message('m44'));
    // Each read is a message of its own: changing one changes no other read.
    const read = (await storage.getMessage('m44'))!;
    read.body = 'changed';
    read.createdAt.setTime(0);
    expect(await storage.getMessage('m44')).toEqual(message('m44'));
    expect(queries).toEqual([]);
    // The oldest claimed were pushed out: read with a query, as before.
    expect(await storage.getMessage('m0')).toEqual(message('m0'));
    expect(queries).toHaveLength(1);
  });

  it('reads of one endpoint, batched or right after a claim, are copies: changing one changes no other', async () => {
    const storage = await open();
    const stored = endpoint('ep', { headers: { 'x-team': 'ops' } });
    await storage.insertEndpoint(stored);
    await storage.insertMessage({ message: message('m'), deliveries: [delivery('d', 'm', 'ep')] });
    const change = (e: EndpointRecord) => {
      e.topics.push('changed');
      e.jobIds!.push('changed');
      (e.match!.metadata as Record<string, unknown>).team = 'changed';
      e.headers['x-team'] = 'changed';
      e.secrets[0]!.createdAt.setTime(0);
    };
    // Asked for in one turn: one query, each caller its own copy.
    const batched = await Promise.all([storage.getEndpoint('ep'), storage.getEndpoint('ep')]);
    change(batched[0]!);
    expect(batched[1]).toEqual(stored);
    // Right after a claim, answered from the row the claim returned.
    const now = new Date('2030-01-01T00:00:00.000Z');
    await storage.claimDeliveries({ now, limit: 5, instanceId: 'a', leaseMs: 60_000 });
    const primed = await Promise.all([storage.getEndpoint('ep'), storage.getEndpoint('ep')]);
    change(primed[0]!);
    expect(primed[1]).toEqual(stored);
    expect(await storage.getEndpoint('ep')).toEqual(stored);
  });
});
