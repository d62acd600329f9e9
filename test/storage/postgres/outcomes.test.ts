import { expect, it } from 'vitest';
import type { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { POSTGRES_SCHEMA_VERSION } from '../../../src/storage/postgres/schema.js';
import { at, attempt, delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
import {
  describePostgres,
  postgresStorages,
  uniqueSchema,
  withPool,
  writeOutboxAtVersion,
} from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

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
});
