import { expect, it } from 'vitest';
import { newId } from '../../../src/notifier/ids.js';
import { at, delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
import {
  describePostgres,
  fannedDeliveries,
  postgresStorages,
  uniqueSchema,
  watchClaimRows,
  withPool,
  writeOutboxAtVersion,
} from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

// Schema version 23 (migrations/claim-columns.ts): a claim returns its deliveries as rows of the deliveries
// table, with each of their messages (on one of its deliveries' rows) and endpoints once (postgres/outbox/claim-rows.ts).
describePostgres('PostgresStorage claims that return rows', () => {
  const cleanups = useCleanups();
  const { open, onPool } = postgresStorages(cleanups);

  it('upgrades a version 22 schema: leases hold, the rest come in due order, and the claim of version 22 still serves older instances', async () => {
    const schema = uniqueSchema('rows');
    const t = `"${schema}"`;
    const fannedId = await writeOutboxAtVersion(t, 22); // d-1 leased by 'old', d-2 due at(0), d-3 at(5_000)
    const storage = await open(schema);
    // An instance of version 22, during a rolling deploy, takes d-2 through the function it knows.
    const old = await withPool((pool) =>
      pool.query(
        `SELECT delivery->>'id' AS id FROM ${t}.claim_deliveries($1, 1, 'old', $2, '{}', NULL, NULL)`,
        [at(0).getTime(), at(60_000).getTime()],
      ),
    );
    expect(old.rows.map((row) => row.id)).toEqual(['d-2']);
    const fanned = fannedDeliveries(fannedId).map((d) => d.id);
    const claimed = await storage.claimDeliveries({
      now: at(10_000),
      limit: 10,
      instanceId: 'new',
      leaseMs: 1_000,
    });
    expect(claimed.map((d) => d.id)).toEqual([...fanned, 'd-3']);
    expect(
      claimed.every((d) => d.lockedBy === 'new' && d.lockedUntil?.getTime() === at(11_000).getTime()),
    ).toBe(true);
    expect(await storage.getDelivery('d-1')).toMatchObject({ lockedBy: 'old', lockedUntil: at(60_000) });
    expect(await storage.getDelivery('d-2')).toMatchObject({ lockedBy: 'old', lockedUntil: at(60_000) });
    // The claimed deliveries' endpoints and messages, as stored.
    for (const d of claimed) {
      expect(await storage.getDeliveryEndpoint!(d.endpointId)).toEqual(endpoint(d.endpointId));
      expect((await storage.getMessage(d.messageId))?.id).toBe(d.messageId);
    }
  });

  it('a claim returns a delivery as stored, its last attempt included, with its lease', async () => {
    const storage = await open();
    await storage.insertEndpoint(endpoint('ep'));
    const retrying = delivery('d', 'm', 'ep', {
      attempts: 2,
      nextAttemptAt: at(-5),
      lastAttemptAt: at(-10),
      lastStatusCode: 503,
      lastError: { code: 'ERR_HTTP_STATUS', message: 'Service Unavailable ✓' },
      updatedAt: at(-9),
    });
    await storage.insertMessage({ message: message('m'), deliveries: [retrying] });
    const claimed = await storage.claimDeliveries({ now: at(0), limit: 5, instanceId: 'i', leaseMs: 1_000 });
    expect(claimed).toEqual([{ ...retrying, lockedBy: 'i', lockedUntil: at(1_000) }]);
  });

  it("a claim of a fan-out's deliveries returns its message and each endpoint once", async () => {
    const { storage, pool } = await onPool({ max: 1 });
    const endpointIds = ['a', 'b', 'c', 'd'];
    for (const id of endpointIds) await storage.insertEndpoint(endpoint(id));
    const fanned = message(newId('msg', at(0).getTime()), { createdAt: at(0) });
    await storage.insertFanout!({ message: fanned, endpointIds, nextAttemptAt: at(0) });
    const other = message('m-other');
    await storage.insertMessage({ message: other, deliveries: [delivery('d-other', 'm-other', 'a')] });
    const kinds: string[] = [];
    const unwatch = watchClaimRows(pool, (row) =>
      kinds.push(
        row.message_id !== null
          ? row.message_body !== null
            ? 'delivery with its message'
            : 'delivery'
          : row.id !== null
            ? 'endpoint'
            : 'unchanged endpoints',
      ),
    );
    const claimed = await storage.claimDeliveries({
      now: at(10),
      limit: 10,
      instanceId: 'i',
      leaseMs: 1_000,
    });
    expect(claimed).toHaveLength(5);
    // Each message's columns once, on one of its deliveries' rows; no row per message.
    expect(kinds.filter((k) => k === 'delivery with its message')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'delivery')).toHaveLength(3);
    // None returned before: each endpoint's row once.
    expect(kinds.filter((k) => k === 'endpoint')).toHaveLength(4);
    expect(kinds.filter((k) => k === 'unchanged endpoints')).toHaveLength(1);
    unwatch();
    expect(await storage.getMessage(fanned.id)).toEqual(fanned);
    expect(await storage.getMessage('m-other')).toEqual(other);
  });

  it("reads the claimed deliveries' messages by their key, also with a plan made while the table was small", async () => {
    const { storage, pool } = await onPool({ max: 1 }); // the storage's own session, with its prepared claim
    await storage.insertEndpoint(endpoint('ep'));
    for (let i = 0; i < 10; i++)
      await storage.insertMessage({
        message: message(`m-${i}`),
        deliveries: [delivery(`d-${i}`, `m-${i}`, 'ep')],
      });
    // Past the five runs after which the server may keep a generic plan, made for a table of ten rows.
    for (let i = 0; i < 8; i++)
      expect(
        await storage.claimDeliveries({ now: at(0), limit: 1, instanceId: 'i', leaseMs: 1_000 }),
      ).toHaveLength(1);
    const { rows } = await pool.query(
      "SELECT name FROM pg_prepared_statements WHERE statement LIKE '%claim_delivery_rows(%'",
    );
    const { rows: plan } = await pool.query(
      `EXPLAIN EXECUTE ${rows[0].name}(${at(0).getTime()}, 1, 'i', ${at(1_000).getTime()}, '{}', '{}', '{}', NULL, NULL)`,
    );
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).toContain('messages_pkey');
    expect(text).not.toMatch(/Seq Scan on messages/);
  });
});
