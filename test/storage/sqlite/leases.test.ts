import { describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { at, attempt, delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('sqlite-leases');

// A claim remembers the rowids of the rows it leased, so that their outcomes update them by rowid: a row
// deleted meanwhile and its rowid given to another delivery must not take the outcome.
describe('SqliteStorage leases', () => {
  it('an outcome of a delivery deleted after its claim never lands on the row that took its rowid', async () => {
    const storage = new SqliteStorage({ path: temp.file('cronhook.db') });
    await storage.migrate();
    await storage.insertEndpoint(endpoint('ep-a'));
    await storage.insertEndpoint(endpoint('ep-b'));
    await storage.insertMessage({ message: message('m-1'), deliveries: [delivery('d-1', 'm-1', 'ep-a')] });
    const [claimed] = await storage.claimDeliveries({
      now: at(1),
      limit: 1,
      instanceId: 'i',
      leaseMs: 30_000,
    });
    expect(claimed?.id).toBe('d-1');
    // The endpoint goes with its pending deliveries; the next row inserted takes the freed (largest) rowid.
    expect(await storage.deleteEndpoint('ep-a')).toBe(true);
    await storage.insertMessage({ message: message('m-2'), deliveries: [delivery('d-2', 'm-2', 'ep-b')] });
    const outcome = storage.completeAttempt({
      delivery: { ...claimed!, status: 'succeeded', attempts: 1, nextAttemptAt: null, updatedAt: at(2) },
      attempt: attempt('a-1', 'd-1', { statusCode: 200, error: null, startedAt: at(1) }),
    });
    await expect(outcome).rejects.toMatchObject({ code: 'ERR_DELIVERY_NOT_FOUND' });
    expect(await storage.getDelivery('d-2')).toEqual(delivery('d-2', 'm-2', 'ep-b'));
    expect(await storage.getDelivery('d-1')).toBeNull();
    await storage.close();
  });

  it('outcomes of claimed deliveries are stored by the rows leased, retries included', async () => {
    const storage = new SqliteStorage({ path: temp.file('cronhook.db') });
    await storage.migrate();
    await storage.insertEndpoint(endpoint('ep'));
    for (const n of [1, 2])
      await storage.insertMessage({
        message: message(`m-${n}`),
        deliveries: [delivery(`d-${n}`, `m-${n}`, 'ep')],
      });
    const [first, second] = await storage.claimDeliveries({
      now: at(1),
      limit: 2,
      instanceId: 'i',
      leaseMs: 30_000,
    });
    const done = {
      ...first!,
      status: 'succeeded' as const,
      attempts: 1,
      nextAttemptAt: null,
      updatedAt: at(2),
    };
    const retry = { ...second!, attempts: 1, nextAttemptAt: at(60_000), updatedAt: at(2) };
    await storage.completeAttempt({ delivery: done, attempt: attempt('a-1', 'd-1', { startedAt: at(1) }) });
    await storage.completeAttempt({ delivery: retry, attempt: attempt('a-2', 'd-2', { startedAt: at(1) }) });
    expect(await storage.getDelivery('d-1')).toEqual({ ...done, lockedBy: null, lockedUntil: null });
    expect(await storage.getDelivery('d-2')).toEqual({ ...retry, lockedBy: null, lockedUntil: null });
    expect(await storage.nextDeliveryAt()).toEqual(at(60_000));
    await storage.close();
  });
});
