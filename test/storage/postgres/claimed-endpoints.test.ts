import type pg from 'pg';
import { expect, it } from 'vitest';
import { EndpointRegistry } from '../../../src/notifier/endpoints/endpoint-registry.js';
import type { EndpointRecord } from '../../../src/notifier/types.js';
import type { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { at, attempt, delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
import { describePostgres, postgresStorages, watchClaimRows } from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

const LEASE = 60_000;
/** A few turns of the event loop later, as for a delivery claimed ahead and sent once a slot is free. */
const later = () => new Promise((resolve) => setTimeout(resolve, 5));

/** Records the statements sent through `pool.query` (the storage's reads by id go there). */
function recordQueries(pool: pg.Pool): string[] {
  const queries: string[] = [];
  const query = pool.query.bind(pool);
  pool.query = ((...args: Parameters<typeof query>) => {
    const sql = args[0];
    queries.push(typeof sql === 'string' ? sql : String((sql as { text?: string }).text));
    return query(...args);
  }) as typeof pool.query;
  return queries;
}

const endpointReads = (queries: string[]) =>
  queries.filter((q) => /FROM \S+\.?"?endpoints"? WHERE id/.test(q));

/** Endpoint `ep` with deliveries d-0 .. d-(n-1), all due at(0). */
async function seed(storage: PostgresStorage, n: number): Promise<void> {
  await storage.insertEndpoint(endpoint('ep'));
  for (let i = 0; i < n; i++)
    await storage.insertMessage({
      message: message(`m-${i}`),
      deliveries: [delivery(`d-${i}`, `m-${i}`, 'ep')],
    });
}

const claim = (storage: PostgresStorage, offsetMs: number, limit: number, leaseMs = LEASE) =>
  storage.claimDeliveries({ now: at(offsetMs), limit, instanceId: 'a', leaseMs });

// The endpoint row a claim returns serves the deliveries that claim leased while their lease lasts (through
// getDeliveryEndpoint, the notifier's read for an attempt), and is dropped at once when this storage writes the
// endpoint; getEndpoint always reads the database (docs/storage.md).
// The claims run at(0) onwards, and so does the storages' clock, as the notifier's and its storage's would.
describePostgres('PostgresStorage endpoint rows of a claim', () => {
  const storages = postgresStorages(useCleanups());
  const open = (schema: string) => storages.open(schema);
  const onPool = (config: { max: number }, clock = new FakeClock(at(0))) =>
    storages.onPool(config, { clock });

  it('a delivery claimed ahead reads its endpoint turns after the claim without a query, each read a copy', async () => {
    const { storage, pool } = await onPool({ max: 2 });
    await seed(storage, 3);
    expect(await claim(storage, 0, 3)).toHaveLength(3);
    await later();
    const queries = recordQueries(pool);
    const first = (await storage.getDeliveryEndpoint!('ep'))!;
    await later();
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(endpoint('ep'));
    first.topics.push('changed');
    await later();
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(endpoint('ep'));
    expect(queries).toEqual([]);
  });

  it('a write of the endpoint through this storage reaches deliveries already claimed at once', async () => {
    const { storage, pool } = await onPool({ max: 2 });
    await seed(storage, 4);
    await claim(storage, 0, 4);
    await later();
    const queries = recordQueries(pool);

    const renamed = endpoint('ep', { url: 'https://changed.example.com/in', updatedAt: at(10) });
    await storage.updateEndpoint(renamed);
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(renamed);

    const rotated = {
      ...renamed,
      secrets: [
        { secret: 'whsec_cm90YXRlZCBzZWNyZXQgZm9yIGtlcHQgcm93cw==', createdAt: at(11), expiresAt: null },
      ],
      updatedAt: at(11),
    };
    expect(await storage.replaceEndpoint(rotated, at(10))).toBe(true);
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(rotated);

    const disabled: EndpointRecord = {
      ...rotated,
      enabled: false,
      disabledReason: 'manual',
      disabledAt: at(12),
      updatedAt: at(12),
    };
    expect(await storage.replaceEndpoint(disabled, at(11))).toBe(true);
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(disabled);

    // An attempt's endpoint patch (the endpoint re-enabled by an outcome, as a test of it would).
    await storage.completeAttempt({
      delivery: { ...delivery('d-0', 'm-0', 'ep'), status: 'failed', attempts: 1, nextAttemptAt: null },
      attempt: attempt('a-0', 'd-0'),
      endpoint: { id: 'ep', enabled: true, disabledReason: null, disabledAt: null, failingSince: at(13) },
    });
    expect(await storage.getDeliveryEndpoint!('ep')).toMatchObject({ enabled: true, failingSince: at(13) });
    // Each of those reads went to the database.
    expect(endpointReads(queries)).toHaveLength(4);

    expect(await storage.deleteEndpoint('ep')).toBe(true);
    expect(await storage.getDeliveryEndpoint!('ep')).toBeNull();
  });

  it("another storage's change reaches the deliveries claimed after it (those leased before keep their row)", async () => {
    const { storage, schema } = await onPool({ max: 2 });
    const other = await open(schema);
    await seed(storage, 2);
    expect((await claim(storage, 0, 1)).map((d) => d.id)).toEqual(['d-0']);
    const changed = endpoint('ep', { url: 'https://elsewhere.example.com/in', updatedAt: at(10) });
    await other.updateEndpoint(changed);
    await later();
    // d-0 was leased before the change: it is sent as its claim read the endpoint, within its lease.
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(endpoint('ep'));
    expect((await claim(storage, 1, 1)).map((d) => d.id)).toEqual(['d-1']);
    await later();
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(changed);
  });

  it('a claim returns an endpoint row only when it changed since a claim returned it; one unchanged serves as read', async () => {
    const { storage, schema, pool } = await onPool({ max: 2 });
    const other = await open(schema);
    await seed(storage, 4);
    // What the claims' results hold of the endpoint: its row, or its id among those whose version sent was
    // current (the kept row serves).
    const returned: string[] = [];
    watchClaimRows(pool, (row) => {
      if (row.message_id !== null) return;
      if (row.id !== null) returned.push(`row ${String(row.id)}`);
      else for (const id of (row.endpoint_row as string[] | null) ?? []) returned.push(`unchanged ${id}`);
    });
    const claimed = async (offset: number) => {
      const [d] = await claim(storage, offset, 1);
      await later();
      return { id: d!.id, endpoint: await storage.getDeliveryEndpoint!('ep') };
    };
    expect(await claimed(0)).toEqual({ id: 'd-0', endpoint: endpoint('ep') });
    expect(await claimed(1)).toEqual({ id: 'd-1', endpoint: endpoint('ep') });
    expect(returned).toEqual(['row ep', 'unchanged ep']);
    const changed = endpoint('ep', { url: 'https://elsewhere.example.com/in', updatedAt: at(10) });
    await other.updateEndpoint(changed);
    expect(await claimed(2)).toEqual({ id: 'd-2', endpoint: changed });
    expect(await claimed(3)).toEqual({ id: 'd-3', endpoint: changed });
    expect(returned).toEqual(['row ep', 'unchanged ep', 'row ep', 'unchanged ep']);
  });

  it('a claim names the endpoints unchanged since in one row, not a row each, and their kept rows serve', async () => {
    const { storage, pool } = await onPool({ max: 2 });
    const ids = ['ep-a', 'ep-b', 'ep-c'];
    for (const id of ids) await storage.insertEndpoint(endpoint(id));
    for (let i = 0; i < 2; i++)
      await storage.insertMessage({
        message: message(`m-${i}`),
        deliveries: ids.map((id) => delivery(`d-${i}-${id}`, `m-${i}`, id)),
      });
    const endpointRows: number[] = [];
    watchClaimRows(pool, (row) => {
      if (row.message_id === null) endpointRows.push(row.id === null ? 0 : 1);
    });
    expect(await claim(storage, 0, 3)).toHaveLength(3);
    expect(endpointRows).toEqual([1, 1, 1, 0]);
    endpointRows.length = 0;
    expect(await claim(storage, 1, 3)).toHaveLength(3);
    // One row, naming all three (as many rows as endpoints before).
    expect(endpointRows).toEqual([0]);
    await later();
    const queries = recordQueries(pool);
    for (const id of ids) expect(await storage.getDeliveryEndpoint!(id)).toEqual(endpoint(id));
    expect(endpointReads(queries)).toEqual([]);
  });

  it("getEndpoint returns another storage's change even while a delivery claimed before it is leased", async () => {
    const { storage, schema } = await onPool({ max: 2 });
    const other = await open(schema);
    await seed(storage, 1);
    expect((await claim(storage, 0, 1)).map((d) => d.id)).toEqual(['d-0']);
    const changed = endpoint('ep', { url: 'https://elsewhere.example.com/in', updatedAt: at(10) });
    await other.updateEndpoint(changed);
    await later();
    expect(await storage.getEndpoint('ep')).toEqual(changed);
    // The attempt's read still answers with the claim's row (d-0 is leased).
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(endpoint('ep'));
  });

  it("upsertEndpoint with the old values after another instance's change writes them (not unchanged)", async () => {
    const { storage, schema } = await onPool({ max: 2 });
    const other = await open(schema);
    await seed(storage, 1);
    const original = endpoint('ep', { headers: { 'x-source': 'ops' } }); // header values an input may give
    await storage.updateEndpoint(original);
    expect((await claim(storage, 0, 1)).map((d) => d.id)).toEqual(['d-0']);
    await other.updateEndpoint({ ...original, url: 'https://elsewhere.example.com/in', updatedAt: at(10) });
    await later();
    const registry = new EndpointRegistry(
      storage,
      () => at(20),
      () => {},
    );
    // Every field as it was before the change: read from the claim's row, this would be "unchanged".
    const { url, topics, description, authorization, headers, jobIds, match, propagateTraceContext } =
      original;
    const result = await registry.upsert({
      ...{ id: 'ep', url, topics, description, authorization, headers, jobIds: jobIds!, match },
      propagateTraceContext,
    });
    expect(result).toMatchObject({ created: false, updated: true });
    expect(await other.getEndpoint('ep')).toMatchObject({ url: original.url, updatedAt: at(20) });
  });

  it('the row is not used once its deliveries are completed or handed back', async () => {
    const { storage, pool } = await onPool({ max: 2 });
    await seed(storage, 2);
    const [d0, d1] = await claim(storage, 0, 2);
    await later();
    const queries = recordQueries(pool);
    await storage.completeAttempt({
      delivery: { ...d0!, status: 'succeeded', attempts: 1, nextAttemptAt: null },
      attempt: attempt('a-0', 'd-0', { statusCode: 200, error: null }),
    });
    // d-1 is still leased: its row serves it.
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(endpoint('ep'));
    expect(endpointReads(queries)).toHaveLength(0);
    // Handed back (as the notifier does with what waited too long), the last delivery of the claim is done.
    await storage.updateDelivery({ ...d1!, lockedBy: null, lockedUntil: null });
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(endpoint('ep'));
    expect(endpointReads(queries)).toHaveLength(1);
  });

  it("the row is not used once its claim's lease has ended (the claims' clock)", async () => {
    const { storage, pool } = await onPool({ max: 2 });
    await seed(storage, 1);
    await storage.insertEndpoint(endpoint('ep-2'));
    await storage.insertMessage({
      message: message('m-x'),
      deliveries: [delivery('d-x', 'm-x', 'ep-2', { nextAttemptAt: at(5_000) })],
    });
    expect((await claim(storage, 0, 1, 1_000)).map((d) => d.id)).toEqual(['d-0']);
    await later();
    const queries = recordQueries(pool);
    // A claim within the lease (nothing due) leaves it.
    expect(await claim(storage, 999, 1, 1_000)).toEqual([]);
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(endpoint('ep'));
    expect(endpointReads(queries)).toHaveLength(0);
    // A claim past it (of another endpoint's delivery): d-0's lease is over, its row is not used.
    const past = { now: at(5_000), limit: 1, instanceId: 'a', leaseMs: 1_000, excludeEndpointIds: ['ep'] };
    expect((await storage.claimDeliveries(past)).map((d) => d.id)).toEqual(['d-x']);
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(endpoint('ep'));
    expect(endpointReads(queries)).toHaveLength(1);
  });

  it("the row is not used once the storage's clock passes the lease, though no claim follows", async () => {
    const clock = new FakeClock(at(0));
    const { storage, pool } = await onPool({ max: 2 }, clock);
    await seed(storage, 1);
    expect((await claim(storage, 0, 1, 1_000)).map((d) => d.id)).toEqual(['d-0']);
    await later();
    const queries = recordQueries(pool);
    await clock.advance(999);
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(endpoint('ep'));
    expect(endpointReads(queries)).toHaveLength(0);
    // The lease the claim wrote ends at(1_000): the row is not used from then on, nor kept.
    await clock.advance(1);
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(endpoint('ep'));
    expect(endpointReads(queries)).toHaveLength(1);
    await clock.set(at(0));
    await later();
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(endpoint('ep'));
    expect(endpointReads(queries)).toHaveLength(2);
  });
});
