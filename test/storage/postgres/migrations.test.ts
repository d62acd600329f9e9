import { expect, it } from 'vitest';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { delivery, endpoint, message, minimalJob, run } from '../../../src/testing/storage-suite/fixtures.js';
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
  postgresStorages,
  postgresUrl,
  uniqueSchema,
  withPool,
} from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

describePostgres('PostgresStorage migrations', () => {
  const cleanups = useCleanups();
  const { open } = postgresStorages(cleanups);

  it('migrates once when several instances start together on an empty database', async () => {
    const schema = uniqueSchema();
    const url = await postgresUrl();
    const instances = Array.from(
      { length: 5 },
      () => new PostgresStorage({ connectionString: url, schema, max: 2 }),
    );
    cleanups.push(
      () => dropSchema(schema),
      () => Promise.all(instances.map((s) => s.close())),
    );
    await Promise.all(instances.map((s) => s.migrate()));
    const versions = await withPool((pool) =>
      pool.query(`SELECT version FROM "${schema}".schema_migrations`),
    );
    expect(versions.rows).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24].map(
        (version) => ({
          version,
        }),
      ),
    );
    await instances[0]!.insertJob(minimalJob('j'));
    expect(await instances[4]!.getJob('j')).toEqual(minimalJob('j'));
  });

  it('upgrades a version 2 schema, keeping its data; claims then read due items in index order, unsorted, with kept plans', async () => {
    const storage = await open();
    const t = `"${storage.schema}"`;
    await storage.insertEndpoint(endpoint('ep'));
    await storage.insertMessage({
      message: message('m'),
      deliveries: Array.from({ length: 2_000 }, (_, i) => delivery(`d-${i}`, 'm', 'ep')),
    });
    await Promise.all(Array.from({ length: 300 }, (_, i) => storage.insertJob(minimalJob(`j-${i}`))));
    // j-1's newest finished run failed; j-2's failure was followed by a success.
    const finished = (id: string, jobId: string, offset: number, status: 'failed' | 'succeeded' | 'queued') =>
      run(id, jobId, { status, scheduledAt: new Date(Date.now() + offset), occurrenceKey: id });
    for (const r of [
      finished('a', 'j-1', -2, 'failed'),
      finished('b', 'j-1', -1, 'queued'),
      finished('c', 'j-2', -2, 'failed'),
      finished('d', 'j-2', -1, 'succeeded'),
    ])
      await storage.insertRun(r);
    await storage.insertEndpoint(endpoint('off', { enabled: false, disabledReason: 'failing' }));
    await storage.insertMessage({
      message: message('m-off'),
      deliveries: [delivery('d-off', 'm-off', 'off')],
    });
    // Turn it back into what cronhook with only the first two migrations left behind, data included.
    await withPool((pool) =>
      pool.query(`${beforeMessageIndexMigration(t)} ${beforeClaimRowsMigration(t)} ${beforeClaimFloorMigration(t)} ${beforeAttemptKeyMigration(t)} DROP TABLE ${t}.fanouts; DROP FUNCTION ${t}.expand_fanouts; DROP FUNCTION ${t}.write_fanouts;
        DROP FUNCTION ${t}.fanout_delivery_id; DROP FUNCTION ${t}.complete_attempts;
        DROP FUNCTION ${t}.complete_outcomes; DROP FUNCTION ${t}.next_delivery_at; DROP TRIGGER runs_outcome_insert ON ${t}.runs; DROP TRIGGER runs_outcome_update ON ${t}.runs;
        DROP FUNCTION ${t}.runs_outcome; DROP INDEX ${t}.jobs_failing; ALTER TABLE ${t}.jobs DROP COLUMN failing;
        DROP INDEX ${t}.jobs_paused; DROP INDEX ${t}.runs_recent; DROP INDEX ${t}.runs_failed;
        DROP INDEX ${t}.deliveries_status; DROP INDEX ${t}.deliveries_failed_endpoint; DROP INDEX ${t}.messages_job;
        DROP FUNCTION ${t}.claim_deliveries; DROP FUNCTION ${t}.claim_jobs;
        DROP FUNCTION ${t}.insert_messages; ${beforeLeaseMigration(t)} DROP INDEX ${t}.deliveries_ready;
        ALTER TABLE ${t}.deliveries DROP COLUMN parked;
        ALTER TABLE ${t}.messages DROP COLUMN traceparent, DROP COLUMN tracestate;
        ALTER TABLE ${t}.endpoints DROP COLUMN propagate_trace_context;
        DROP INDEX ${t}.runs_requests; ${beforeActiveRunMigration(t)}
        ${beforeJobLeaseMigration(t)} DROP INDEX ${t}.jobs_due;
        CREATE INDEX jobs_wake ON ${t}.jobs (wake_at) WHERE enabled;
        CREATE INDEX deliveries_wake ON ${t}.deliveries (wake_at) WHERE status = 'pending';
        DELETE FROM ${t}.schema_migrations WHERE version > 2`),
    );
    await storage.migrate();
    expect(await storage.getJob('j-7')).toEqual(minimalJob('j-7'));
    // Version 10 finds the failing jobs in the run history.
    expect((await storage.listFailingJobs()).map((job) => job.id)).toEqual(['j-1']);
    // Version 6 parks the pending deliveries of endpoints that were disabled when it ran.
    const parked = await withPool((pool) =>
      pool.query(`SELECT id FROM ${t}.deliveries WHERE parked ORDER BY id`),
    );
    expect(parked.rows).toEqual([{ id: 'd-off' }]);
    // Version 7: messages stored before it have no trace context; endpoints keep propagating; new messages
    // keep theirs (insert_messages stores the new columns).
    expect(await storage.getMessage('m-off')).toEqual(message('m-off'));
    expect((await storage.getEndpoint('off'))?.propagateTraceContext).toBe(true);
    const traceContext = { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, tracestate: 'v=1' };
    await storage.insertMessage({ message: message('m-new', { traceContext }), deliveries: [] });
    expect((await storage.getMessage('m-new'))?.traceContext).toEqual(traceContext);
    // As the claim functions plan (sorting off): whatever the statistics say — here none yet, as when a
    // burst fills a table before autovacuum analyzes it — due items are read in index order.
    const plan = (sql: string) =>
      withPool(async (pool) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query('SET LOCAL enable_sort = off');
          const { rows } = await client.query(`EXPLAIN ${sql}`);
          await client.query('ROLLBACK');
          return rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
        } finally {
          client.release();
        }
      });
    const deliveries = await plan(
      `SELECT d.id FROM ${t}.deliveries d JOIN ${t}.endpoints e ON e.id = d.endpoint_id
       WHERE d.status = 'pending' AND NOT d.parked AND e.enabled AND d.next_attempt_at <= ${Date.now()}
       ORDER BY d.next_attempt_at, d.id LIMIT 16 FOR UPDATE OF d SKIP LOCKED`,
    );
    expect(deliveries).toContain('deliveries_ready');
    expect(deliveries).not.toContain('Sort');
    const jobs = await plan(
      `SELECT id FROM ${t}.jobs WHERE enabled AND next_run_at <= ${Date.now() + 86_400_000}
         AND (locked_until IS NULL OR locked_until <= ${Date.now() + 86_400_000})
       ORDER BY next_run_at, id LIMIT 16 FOR UPDATE SKIP LOCKED`,
    );
    expect(jobs).toContain('jobs_due');
    expect(jobs).not.toContain('Sort');
    const claimed = await storage.claimDeliveries({
      now: new Date(),
      limit: 3,
      instanceId: 'i',
      leaseMs: 1_000,
    });
    expect(claimed.map((d) => d.id)).toEqual(['d-0', 'd-1', 'd-10']);
    const jobsClaimed = await storage.claimDueJobs({
      now: new Date(),
      limit: 2,
      instanceId: 'i',
      leaseMs: 1_000,
    });
    expect(jobsClaimed.map((j) => j.id)).toEqual(['j-0', 'j-1']);
    // Version 5 made the claims PL/pgSQL, whose plans are kept per connection instead of made per call;
    // version 6 stores messages through one as well (parking deliveries to disabled endpoints); version 10
    // keeps jobs' outcomes with one, called by the triggers on runs.
    const languages = await withPool((pool) =>
      pool.query(
        `SELECT p.proname, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
         WHERE p.pronamespace = $1::regnamespace ORDER BY p.proname`,
        [storage.schema],
      ),
    );
    expect(languages.rows).toEqual([
      // Version 13's (five parameters, for older instances) and version 21's, from a floor (its body since 22).
      { proname: 'claim_deliveries', lanname: 'plpgsql' },
      { proname: 'claim_deliveries', lanname: 'plpgsql' },
      // Version 23's, returning rows (version 22's body).
      { proname: 'claim_delivery_rows', lanname: 'plpgsql' },
      { proname: 'claim_jobs', lanname: 'plpgsql' },
      { proname: 'complete_attempts', lanname: 'plpgsql' },
      { proname: 'complete_outcomes', lanname: 'plpgsql' },
      { proname: 'expand_fanouts', lanname: 'plpgsql' },
      { proname: 'fanout_delivery_id', lanname: 'sql' },
      { proname: 'insert_messages', lanname: 'plpgsql' },
      { proname: 'next_delivery_at', lanname: 'plpgsql' },
      { proname: 'next_job_at', lanname: 'plpgsql' },
      { proname: 'runs_outcome', lanname: 'plpgsql' },
      { proname: 'write_fanouts', lanname: 'plpgsql' },
    ]);
  });

  it('refuses a schema migrated by a newer cronhook with ERR_SCHEMA_TOO_NEW and changes nothing', async () => {
    const storage = await open();
    await storage.insertJob(minimalJob('j'));
    await withPool((pool) =>
      pool.query(`INSERT INTO "${storage.schema}".schema_migrations VALUES (999, 'from the future')`),
    );
    await expect(storage.migrate()).rejects.toMatchObject({
      code: 'ERR_SCHEMA_TOO_NEW',
      message: expect.stringContaining('version 999'),
    });
    expect(await storage.getJob('j')).toEqual(minimalJob('j'));
  });

  it('migrates a fresh schema on first use: a job added before migrate() or start() is stored', async () => {
    const schema = uniqueSchema();
    const storage = new PostgresStorage({ connectionString: await postgresUrl(), schema });
    cleanups.push(
      () => dropSchema(schema),
      () => storage.close(),
    );
    await storage.insertJob(minimalJob('early'));
    expect(await storage.getJob('early')).toEqual(minimalJob('early'));
  });

  it('with autoMigrate: false never changes the schema, says to run migrate(), and works once someone has', async () => {
    const schema = uniqueSchema();
    const locked = new PostgresStorage({
      connectionString: await postgresUrl(),
      schema,
      autoMigrate: false,
    });
    cleanups.push(
      () => dropSchema(schema),
      () => locked.close(),
    );
    const outdated = {
      code: 'ERR_SCHEMA_OUTDATED',
      field: 'autoMigrate',
      message: expect.stringMatching(/schema ".*" has no cronhook schema yet.*storage\.migrate\(\)/),
    };
    await expect(locked.insertJob(minimalJob('j'))).rejects.toMatchObject(outdated);
    await expect(locked.ready()).rejects.toMatchObject(outdated);
    const created = await withPool((pool) =>
      pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]),
    );
    expect(created.rowCount).toBe(0);
    await open(schema); // another instance (a deploy step) migrates it
    await locked.insertJob(minimalJob('j'));
    expect(await locked.getJob('j')).toEqual(minimalJob('j'));
    await withPool((pool) => pool.query(`DELETE FROM "${schema}".schema_migrations WHERE version > 1`));
    const behind = new PostgresStorage({
      connectionString: await postgresUrl(),
      schema,
      autoMigrate: false,
    });
    cleanups.push(() => behind.close());
    await expect(behind.getJob('j')).rejects.toMatchObject({
      code: 'ERR_SCHEMA_OUTDATED',
      message: expect.stringContaining('is at cronhook schema version 1;'),
    });
  });
});
