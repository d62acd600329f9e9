import pg from 'pg';
import { expect, it } from 'vitest';
import type { DeliveryRecord } from '../../../src/notifier/types.js';
import { postgresDialect as dialect } from '../../../src/storage/postgres/database.js';
import type { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { completeOutcomesCall } from '../../../src/storage/postgres/migrations/outcomes.js';
import { POSTGRES_SCHEMA_VERSION } from '../../../src/storage/postgres/schema.js';
import { insertSql, postgresPlaceholder as ph } from '../../../src/storage/sql/codec.js';
import { attemptCodec } from '../../../src/storage/sql/outbox-rows.js';
import { at, attempt, delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
import {
  describePostgres,
  postgresStorages,
  postgresUrl,
  uniqueSchema,
  withPool,
  writeOutboxAtVersion,
} from '../../helpers/postgres.js';
import { until, useCleanups } from '../../helpers/test-lifecycle.js';

/** complete_outcomes()' arguments for successful results of `ids`, in that order: attempt `<prefix>-<id>` at `time`. */
function outcomeArgs(ids: string[], prefix: string, time: number): unknown[] {
  const each = (value: unknown) => ids.map(() => value);
  const delivery = [
    ids,
    each('succeeded'),
    each(1),
    each(null),
    each(time),
    each(200),
    each(null),
    each(time),
  ];
  const attempt = [ids.map((id) => `${prefix}-${id}`), ids, each(1), each('auto'), each(time), each(1)];
  return [...delivery, ...attempt, each(200), each(null), each('{}'), each(null)];
}

/**
 * Two connections record results of d-1 and d-2 (which exist in schema `t`) at once: X records d-1's in an
 * open transaction; A sends d-2's and d-1's in that order (unsorted, as a version 16 instance does) and waits
 * for X; X then records d-2's and commits. The function locks each group's rows in id order, so A waits for d-1
 * before it locks d-2 and both groups are recorded. Locking them in the order sent, A would hold d-2 while
 * waiting for X, and X wait for A: a deadlock, which Postgres ends by failing one of them.
 */
async function recordOverlappingGroups(t: string): Promise<void> {
  const call = completeOutcomesCall(t);
  const url = await postgresUrl();
  const [x, a, watcher] = [new pg.Client(url), new pg.Client(url), new pg.Client(url)];
  await Promise.all([x.connect(), a.connect(), watcher.connect()]);
  try {
    const aPid = (await a.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    await x.query('BEGIN');
    await x.query(call, outcomeArgs(['d-1'], 'x', 10));
    const aGroup = a.query(call, outcomeArgs(['d-2', 'd-1'], 'a', 20));
    aGroup.catch(() => {}); // awaited below; a deadlock fails it while X's statement is awaited
    const waiting = async () =>
      (await watcher.query('SELECT wait_event_type AS w FROM pg_stat_activity WHERE pid = $1', [aPid]))
        .rows[0]?.w === 'Lock';
    await until(waiting);
    await x.query(call, outcomeArgs(['d-2'], 'x', 10));
    await x.query('COMMIT');
    expect((await aGroup).rows.map((row) => row.id).sort()).toEqual(['d-1', 'd-2']);
  } finally {
    await Promise.all([x.end(), a.end(), watcher.end()]);
  }
  const stored = await withPool((pool) =>
    Promise.all([
      pool.query(
        `SELECT id, updated_at::int AS at, locked_by FROM ${t}.deliveries WHERE id IN ('d-1', 'd-2') ORDER BY id`,
      ),
      pool.query(`SELECT id FROM ${t}.attempts WHERE delivery_id IN ('d-1', 'd-2') ORDER BY id`),
    ]),
  );
  // A's results were recorded last, on top of X's; every attempt of both is logged.
  expect(stored[0].rows).toEqual([
    { id: 'd-1', at: 20, locked_by: null },
    { id: 'd-2', at: 20, locked_by: null },
  ]);
  expect(stored[1].rows.map((row) => row.id)).toEqual(['a-d-1', 'a-d-2', 'x-d-1', 'x-d-2']);
}

/**
 * The attempts table's indexes in schema `t` (quoted), and the indexes listAttempts' query reads, planned with
 * sequential scans off (a few rows would be read whole, which says nothing about the index).
 */
async function attemptIndexes(t: string) {
  return withPool(async (pool) => {
    const client = await pool.connect();
    try {
      const indexes = await client.query(
        `SELECT regexp_replace(indexdef, ' ON .*USING', ' USING') AS def FROM pg_indexes
         WHERE schemaname = $1 AND tablename = 'attempts'`,
        [JSON.parse(t)],
      );
      await client.query('SET enable_seqscan = off');
      const plan = await client.query(
        `EXPLAIN (FORMAT JSON) SELECT * FROM ${t}.attempts WHERE delivery_id = 'd-1' ORDER BY seq`,
      );
      // The index each node of the plan reads (a Sort above it, or none, is up to the planner).
      const used: string[] = [];
      const walk = (node: { 'Index Name'?: string; Plans?: unknown[] }) => {
        if (node['Index Name'] !== undefined) used.push(node['Index Name']);
        for (const child of node.Plans ?? []) walk(child as typeof node);
      };
      walk(plan.rows[0]['QUERY PLAN'][0].Plan);
      return { indexes: indexes.rows.map((row) => row.def), used };
    } finally {
      client.release();
    }
  });
}

/** Values whose text the arrays of complete_outcomes() must carry unchanged: quotes, backslashes, braces. */
const AWKWARD = 'a "quoted" \\back\\slash, {braces}, NULL, \'single\', tab\tnew\nline, ünï 😀';

// Schema version 16 (migrations/outcomes.ts): attempt results go to complete_outcomes() as typed arrays of the
// columns an outcome changes, instead of whole rows as JSON to complete_attempts().
describePostgres('PostgresStorage attempt results', () => {
  const cleanups = useCleanups();
  const { open } = postgresStorages(cleanups);

  async function claimed(storage: PostgresStorage, ids: string[]) {
    await storage.insertEndpoint(endpoint('ep'));
    await storage.insertMessage({
      message: message('m'),
      deliveries: ids.map((id) => delivery(id, 'm', 'ep')),
    });
    return storage.claimDeliveries({ now: at(0), limit: ids.length, instanceId: 'i', leaseMs: 30_000 });
  }

  it('stores every value of a result as given, whatever its text holds, nulls included', async () => {
    const storage = await open();
    const [first, second] = await claimed(storage, ['d-1', 'd-2']);
    const failed = {
      ...first!,
      status: 'pending' as const,
      attempts: 1,
      nextAttemptAt: at(60_000),
      lastAttemptAt: at(17),
      lastStatusCode: 500,
      lastError: { code: 'ERR_HTTP_STATUS', message: AWKWARD },
      updatedAt: at(18),
    };
    const failedAttempt = attempt('a-1', 'd-1', {
      durationMs: 12.375,
      error: { code: 'ERR_HTTP_STATUS', message: AWKWARD },
      responseHeaders: { 'content-type': AWKWARD, 'retry-after': '120' },
      responseSnippet: AWKWARD,
    });
    const succeeded = {
      ...second!,
      status: 'succeeded' as const,
      attempts: 1,
      nextAttemptAt: null,
      lastAttemptAt: at(17),
      lastStatusCode: 200,
      lastError: null,
      updatedAt: at(19),
    };
    const okAttempt = attempt('a-2', 'd-2', {
      statusCode: 200,
      error: null,
      responseHeaders: {},
      responseSnippet: null,
      trigger: 'redeliver',
    });
    // One group: both go in one call.
    await Promise.all([
      storage.completeAttempt({ delivery: failed, attempt: failedAttempt }),
      storage.completeAttempt({ delivery: succeeded, attempt: okAttempt }),
    ]);
    // The lease is released with the outcome.
    expect(await storage.getDelivery('d-1')).toEqual({ ...failed, lockedBy: null, lockedUntil: null });
    expect(await storage.getDelivery('d-2')).toEqual({ ...succeeded, lockedBy: null, lockedUntil: null });
    expect(await storage.listAttempts('d-1')).toEqual([failedAttempt]);
    expect(await storage.listAttempts('d-2')).toEqual([okAttempt]);
  });

  it('fails the results of a group whose deliveries are gone, each on its own, whether some or all of them are', async () => {
    const storage = await open();
    const [kept] = await claimed(storage, ['d-1']);
    const result = (d: DeliveryRecord) => ({
      delivery: { ...d, status: 'succeeded' as const, attempts: 1, nextAttemptAt: null, updatedAt: at(5) },
      attempt: attempt(`a-${d.id}`, d.id, { statusCode: 200, error: null }),
    });
    const gone = (id: string) => delivery(id, 'm', 'ep');
    const settle = (inputs: ReturnType<typeof result>[]) =>
      Promise.all(
        inputs.map((input) =>
          storage.completeAttempt(input).then(
            () => 'ok',
            (error: { code?: string }) => error.code,
          ),
        ),
      );
    // One group with every delivery gone, then one with some gone.
    expect(await settle([result(gone('d-8')), result(gone('d-9'))])).toEqual([
      'ERR_DELIVERY_NOT_FOUND',
      'ERR_DELIVERY_NOT_FOUND',
    ]);
    expect(await settle([result(gone('d-0')), result(kept!), result(gone('d-9'))])).toEqual([
      'ERR_DELIVERY_NOT_FOUND',
      'ok',
      'ERR_DELIVERY_NOT_FOUND',
    ]);
    expect(await storage.getDelivery('d-1')).toMatchObject({ status: 'succeeded', lockedBy: null });
    expect((await storage.listAttempts('d-1')).map((a) => a.id)).toEqual(['a-d-1']);
    expect(await storage.listAttempts('d-9')).toEqual([]);
  });

  it('upgrades a version 15 schema: results of deliveries leased before go through complete_outcomes(), and complete_attempts() still serves instances of version 15', async () => {
    const schema = uniqueSchema();
    const t = `"${schema}"`;
    await writeOutboxAtVersion(t, 15); // d-1 leased by instance 'old'
    const storage = await open(schema);
    expect(
      (await withPool((pool) => pool.query(`SELECT max(version) AS v FROM ${t}.schema_migrations`))).rows[0]
        .v,
    ).toBe(POSTGRES_SCHEMA_VERSION);
    const d1 = (await storage.getDelivery('d-1'))!;
    expect(d1).toMatchObject({ lockedBy: 'old', lockedUntil: at(60_000) });
    const done = { ...d1, status: 'succeeded' as const, attempts: 1, nextAttemptAt: null, updatedAt: at(5) };
    const logged = attempt('a-1', 'd-1', { statusCode: 200, error: null });
    await storage.completeAttempt({ delivery: done, attempt: logged });
    expect(await storage.getDelivery('d-1')).toEqual({ ...done, lockedBy: null, lockedUntil: null });
    expect(await storage.listAttempts('d-1')).toEqual([logged]);
    const d2 = (await storage.getDelivery('d-2'))!;
    // What a version 15 instance sends for its results during a rolling deploy.
    const rows = await withPool((pool) =>
      pool.query(`SELECT id FROM ${t}.complete_attempts($1::json, $2::json, $3::text[]) AS id`, [
        JSON.stringify([
          {
            id: 'd-2',
            message_id: 'm',
            endpoint_id: 'ep',
            topic: d2.topic,
            status: 'failed',
            attempts: 1,
            next_attempt_at: null,
            last_attempt_at: 7,
            last_status_code: 410,
            last_error: null,
            created_at: d2.createdAt.getTime(),
            updated_at: 7,
            locked_by: null,
            locked_until: null,
          },
        ]),
        JSON.stringify([
          {
            id: 'a-2',
            delivery_id: 'd-2',
            attempt: 1,
            triggered_by: 'auto',
            started_at: 6,
            duration_ms: 1,
            status_code: 410,
            error: null,
            response_headers: {},
            response_snippet: null,
          },
        ]),
        ['d-2'],
      ]),
    );
    expect(rows.rows).toEqual([{ id: 'd-2' }]);
    expect(await storage.getDelivery('d-2')).toMatchObject({ status: 'failed', lastStatusCode: 410 });
    expect((await storage.listAttempts('d-2')).map((a) => a.id)).toEqual(['a-2']);
  });

  it('records results of the same deliveries sent in opposite orders by two connections at once, without a deadlock', async () => {
    const storage = await open();
    await claimed(storage, ['d-1', 'd-2']);
    await recordOverlappingGroups(`"${storage.schema}"`);
  });

  it('upgrades a version 17 schema to one whose complete_outcomes() sorts the results itself (version 19)', async () => {
    const schema = uniqueSchema();
    const t = `"${schema}"`;
    await writeOutboxAtVersion(t, 17); // d-1 leased by instance 'old', d-2 due
    await open(schema);
    expect(
      (await withPool((pool) => pool.query(`SELECT max(version) AS v FROM ${t}.schema_migrations`))).rows[0]
        .v,
    ).toBe(POSTGRES_SCHEMA_VERSION);
    await recordOverlappingGroups(t);
  });

  it('writes an attempt into one b-tree, its primary key (delivery_id, seq), by which its delivery lists it in order', async () => {
    const storage = await open();
    const [d1] = await claimed(storage, ['d-1', 'd-2']);
    const first = attempt('a-1', 'd-1', { statusCode: 500 });
    const second = attempt('a-2', 'd-1', { statusCode: 200, error: null });
    await storage.completeAttempt({ delivery: { ...d1!, attempts: 1 }, attempt: first });
    await storage.completeAttempt({
      delivery: { ...d1!, status: 'succeeded', attempts: 2 },
      attempt: second,
    });
    expect(await storage.listAttempts('d-1')).toEqual([first, second]);
    expect(await attemptIndexes(`"${storage.schema}"`)).toEqual({
      indexes: ['CREATE UNIQUE INDEX attempts_pkey USING btree (delivery_id, seq)'],
      used: ['attempts_pkey'],
    });
  });

  it('upgrades a version 19 schema: the attempts recorded before stay listed in order under the new key', async () => {
    const schema = uniqueSchema();
    const t = `"${schema}"`;
    await writeOutboxAtVersion(t, 19);
    const before = [
      attempt('a-1', 'd-1', { statusCode: 500 }),
      attempt('a-2', 'd-1', { statusCode: 503 }),
      attempt('a-3', 'd-2', { statusCode: 200, error: null }),
    ];
    await withPool(async (pool) => {
      for (const a of before)
        await pool.query(
          insertSql(`${t}.attempts`, attemptCodec.columns, ph),
          attemptCodec.encode(a, dialect),
        );
    });
    const storage = await open(schema);
    expect(await storage.listAttempts('d-1')).toEqual(before.slice(0, 2));
    expect(await storage.listAttempts('d-2')).toEqual(before.slice(2));
    expect(await attemptIndexes(t)).toEqual({
      indexes: ['CREATE UNIQUE INDEX attempts_pkey USING btree (delivery_id, seq)'],
      used: ['attempts_pkey'],
    });
    // Recorded after the upgrade, an attempt comes after those of before.
    const d1 = (await storage.getDelivery('d-1'))!;
    const after = attempt('a-4', 'd-1', { statusCode: 200, error: null });
    await storage.completeAttempt({ delivery: { ...d1, status: 'succeeded', attempts: 3 }, attempt: after });
    expect((await storage.listAttempts('d-1')).map((a) => a.id)).toEqual(['a-1', 'a-2', 'a-4']);
  });
});
