import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { EndpointRecord } from '../../../src/notifier/types.js';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import type { StorageChange } from '../../../src/storage/types.js';
import { testStorage } from '../../../src/testing/storage.js';
import {
  attempt,
  delivery,
  endpoint,
  message,
  minimalJob,
  run,
} from '../../../src/testing/storage-suite/fixtures.js';
import {
  beforeLeaseMigration,
  describePostgres,
  dropSchema,
  postgresUrl,
  uniqueSchema,
  withPool,
} from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

describePostgres('Postgres', () => {
  testStorage(
    'PostgresStorage',
    async () => new PostgresStorage({ connectionString: await postgresUrl(), schema: uniqueSchema('suite') }),
    {
      cleanup: (storage) => dropSchema((storage as PostgresStorage).schema),
      // Another instance on the same schema: the fan-out tests' second storage.
      reopen: async (storage) =>
        new PostgresStorage({
          connectionString: await postgresUrl(),
          schema: (storage as PostgresStorage).schema,
          max: 4,
        }),
    },
  );

  describe('PostgresStorage', () => {
    const cleanups = useCleanups();
    /** A migrated storage on its own pool, closed and dropped after the test. */
    async function open(schema = uniqueSchema()): Promise<PostgresStorage> {
      const storage = new PostgresStorage({ connectionString: await postgresUrl(), schema, max: 4 });
      cleanups.push(
        () => dropSchema(schema),
        () => storage.close(),
      );
      await storage.migrate();
      return storage;
    }

    it('sends claims and attempt results as prepared statements, and plain ones with preparedStatements: false', async () => {
      const prepared = async (preparedStatements?: boolean) => {
        // One connection, so the session that prepared them is the one asked.
        const pool = new pg.Pool({ connectionString: await postgresUrl(), max: 1 });
        cleanups.push(() => pool.end());
        const schema = uniqueSchema();
        cleanups.push(() => dropSchema(schema));
        const storage = new PostgresStorage({ pool, schema, preparedStatements });
        await storage.migrate();
        await storage.insertEndpoint(endpoint('ep'));
        for (const id of ['1', '2']) {
          await storage.insertMessage({
            message: message(`m${id}`),
            deliveries: [delivery(`d${id}`, `m${id}`, 'ep')],
          });
        }
        const now = new Date('2030-01-01T00:00:00.000Z');
        // Twice each: the second runs the statement prepared by the first.
        for (const id of ['d1', 'd2']) {
          const [claimed] = await storage.claimDeliveries({
            now,
            limit: 1,
            instanceId: 'a',
            leaseMs: 60_000,
          });
          expect(claimed?.id).toBe(id);
          await storage.completeAttempt({
            delivery: { ...claimed!, status: 'succeeded', attempts: 1, nextAttemptAt: null },
            attempt: attempt(`a-${id}`, id, { statusCode: 200, error: null }),
          });
        }
        expect((await storage.getDelivery('d2'))?.status).toBe('succeeded');
        expect(await storage.listAttempts('d1')).toHaveLength(1);
        const { rows } = await pool.query(
          "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'cronhook\\_%'",
        );
        return rows.map((row) => String(row.statement));
      };
      const statements = await prepared();
      expect(statements.some((text) => text.includes('claim_deliveries('))).toBe(true);
      expect(statements.some((text) => text.includes('complete_attempts('))).toBe(true);
      expect(await prepared(false)).toEqual([]);
    });

    it('claims commit without waiting for the WAL flush, in their own transaction only: the session keeps synchronous_commit', async () => {
      // One connection, so the claims and the check below share a session.
      const pool = new pg.Pool({ connectionString: await postgresUrl(), max: 1 });
      cleanups.push(() => pool.end());
      const schema = uniqueSchema();
      cleanups.push(() => dropSchema(schema));
      const storage = new PostgresStorage({ pool, schema });
      await storage.migrate();
      await storage.insertEndpoint(endpoint('ep'));
      await storage.insertMessage({ message: message('m'), deliveries: [delivery('d', 'm', 'ep')] });
      await storage.insertJob(minimalJob('j'));
      const setting = "SELECT current_setting('synchronous_commit') AS value";
      const before = (await pool.query(setting)).rows;
      const now = new Date('2030-01-01T00:00:00.000Z');
      const claimed = await storage.claimDeliveries({ now, limit: 5, instanceId: 'a', leaseMs: 60_000 });
      expect(claimed.map((d) => d.id)).toEqual(['d']);
      expect(await storage.claimDueJobs({ now, limit: 5, instanceId: 'a', leaseMs: 60_000 })).toHaveLength(1);
      expect((await pool.query(setting)).rows).toEqual(before);
      // Whatever the session's value, a claim that takes rows leaves it as it was.
      await pool.query("SET synchronous_commit = 'remote_apply'");
      await storage.claimDeliveries({
        now: new Date('2031-01-01T00:00:00.000Z'),
        limit: 5,
        instanceId: 'a',
        leaseMs: 1,
      });
      expect((await pool.query(setting)).rows).toEqual([{ value: 'remote_apply' }]);
      await pool.query('RESET synchronous_commit');
      // The leases are committed: another instance does not get them.
      const other = await open(schema);
      expect(await other.claimDeliveries({ now, limit: 5, instanceId: 'b', leaseMs: 60_000 })).toEqual([]);
      expect(await other.claimDueJobs({ now, limit: 5, instanceId: 'b', leaseMs: 60_000 })).toEqual([]);
    });

    it('publishes and attempt outcomes commit synchronously (a claim sees a message only once it is on disk); only claims do not', async () => {
      // The server's default (the test server runs with synchronous_commit off): commits wait for the flush.
      const pool = new pg.Pool({
        connectionString: await postgresUrl(),
        max: 3,
        options: '-c synchronous_commit=on',
      });
      cleanups.push(() => pool.end());
      const schema = uniqueSchema();
      cleanups.push(() => dropSchema(schema));
      const storage = new PostgresStorage({ pool, schema });
      await storage.migrate();
      // Triggers deferred to the commit record how each write's transaction is set to commit at that moment.
      const t = `"${schema}"`;
      await pool.query(`
        CREATE TABLE ${t}.commit_modes (what text, mode text);
        CREATE FUNCTION ${t}.record_mode() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          INSERT INTO ${t}.commit_modes VALUES (TG_ARGV[0], current_setting('synchronous_commit'));
          RETURN NULL; END $$;
        CREATE CONSTRAINT TRIGGER published AFTER INSERT ON ${t}.deliveries DEFERRABLE INITIALLY DEFERRED
          FOR EACH ROW EXECUTE FUNCTION ${t}.record_mode('publish');
        CREATE CONSTRAINT TRIGGER leased AFTER UPDATE OF locked_by ON ${t}.deliveries DEFERRABLE INITIALLY DEFERRED
          FOR EACH ROW WHEN (NEW.locked_by IS NOT NULL) EXECUTE FUNCTION ${t}.record_mode('claim');
        CREATE CONSTRAINT TRIGGER recorded AFTER INSERT ON ${t}.attempts DEFERRABLE INITIALLY DEFERRED
          FOR EACH ROW EXECUTE FUNCTION ${t}.record_mode('outcome');`);
      await storage.insertEndpoint(endpoint('ep'));
      await storage.insertMessage({ message: message('m'), deliveries: [delivery('d', 'm', 'ep')] });
      const now = new Date('2030-01-01T00:00:00.000Z');
      const [claimed] = await storage.claimDeliveries({ now, limit: 5, instanceId: 'a', leaseMs: 60_000 });
      await storage.completeAttempt({
        delivery: { ...claimed!, status: 'succeeded', attempts: 1, nextAttemptAt: null },
        attempt: attempt('att', 'd'),
      });
      const { rows } = await pool.query(`SELECT what, mode FROM ${t}.commit_modes`);
      // A synchronous commit becomes visible to other transactions (the claim) only after its WAL flush; the
      // claim's own lease may be lost in a server crash, which only makes the delivery claimable again.
      expect(rows).toEqual([
        { what: 'publish', mode: 'on' },
        { what: 'claim', mode: 'off' },
        { what: 'outcome', mode: 'on' },
      ]);
    });

    it('a claimed message is read without a query after the claim, while the latest 256 claimed are kept', async () => {
      const pool = new pg.Pool({ connectionString: await postgresUrl(), max: 2 });
      cleanups.push(() => pool.end());
      const schema = uniqueSchema();
      cleanups.push(() => dropSchema(schema));
      const storage = new PostgresStorage({ pool, schema });
      await storage.migrate();
      await storage.insertEndpoint(endpoint('ep'));
      for (let i = 0; i < 300; i++)
        await storage.insertMessage({
          message: message(`m${i}`),
          deliveries: [delivery(`d${i}`, `m${i}`, 'ep')],
        });
      const now = new Date('2030-01-01T00:00:00.000Z');
      expect(
        await storage.claimDeliveries({ now, limit: 300, instanceId: 'a', leaseMs: 60_000 }),
      ).toHaveLength(300);
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

    it('uses a pool passed in and leaves it open on close()', async () => {
      const pool = new pg.Pool({ connectionString: await postgresUrl(), max: 3 });
      cleanups.push(() => pool.end());
      const schema = uniqueSchema();
      cleanups.push(() => dropSchema(schema));
      const storage = new PostgresStorage({ pool, schema });
      expect(storage.shared).toBe(true);
      await storage.migrate();
      await storage.insertJob(minimalJob('j'));
      await storage.close();
      const { rows } = await pool.query(`SELECT id FROM "${schema}".jobs`);
      expect(rows).toEqual([{ id: 'j' }]);
    });

    it('keeps its tables in the configured schema, apart from other schemas', async () => {
      const a = await open();
      const b = await open();
      await a.insertJob(minimalJob('only-in-a'));
      expect(await b.getJob('only-in-a')).toBeNull();
      const tables = await withPool(async (pool) => {
        const { rows } = await pool.query(
          'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
          [a.schema],
        );
        return rows.map((r: { table_name: string }) => r.table_name);
      });
      expect(tables).toEqual([
        'attempts',
        'deliveries',
        'endpoints',
        'fanouts',
        'jobs',
        'messages',
        'runs',
        'schema_migrations',
      ]);
    });

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
      expect(versions.rows).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((version) => ({ version })));
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
      const finished = (
        id: string,
        jobId: string,
        offset: number,
        status: 'failed' | 'succeeded' | 'queued',
      ) => run(id, jobId, { status, scheduledAt: new Date(Date.now() + offset), occurrenceKey: id });
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
        pool.query(`DROP TABLE ${t}.fanouts; DROP FUNCTION ${t}.expand_fanouts; DROP FUNCTION ${t}.write_fanouts;
          DROP FUNCTION ${t}.fanout_delivery_id; DROP FUNCTION ${t}.complete_attempts;
          DROP FUNCTION ${t}.next_delivery_at; DROP TRIGGER runs_outcome_insert ON ${t}.runs; DROP TRIGGER runs_outcome_update ON ${t}.runs;
          DROP FUNCTION ${t}.runs_outcome; DROP INDEX ${t}.jobs_failing; ALTER TABLE ${t}.jobs DROP COLUMN failing;
          DROP INDEX ${t}.jobs_paused; DROP INDEX ${t}.runs_recent; DROP INDEX ${t}.runs_failed;
          DROP INDEX ${t}.deliveries_status; DROP INDEX ${t}.deliveries_failed_endpoint; DROP INDEX ${t}.messages_job;
          DROP FUNCTION ${t}.claim_deliveries; DROP FUNCTION ${t}.claim_jobs;
          DROP FUNCTION ${t}.insert_messages; ${beforeLeaseMigration(t)} DROP INDEX ${t}.deliveries_ready;
          ALTER TABLE ${t}.deliveries DROP COLUMN parked;
          ALTER TABLE ${t}.messages DROP COLUMN traceparent, DROP COLUMN tracestate;
          ALTER TABLE ${t}.endpoints DROP COLUMN propagate_trace_context;
          DROP INDEX ${t}.runs_requests;
          DROP INDEX ${t}.jobs_due; CREATE INDEX jobs_wake ON ${t}.jobs (wake_at) WHERE enabled;
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
        `SELECT id FROM ${t}.jobs WHERE enabled AND wake_at <= ${Date.now() + 86_400_000}
         ORDER BY wake_at, id LIMIT 16 FOR UPDATE SKIP LOCKED`,
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
        { proname: 'claim_deliveries', lanname: 'plpgsql' },
        { proname: 'claim_jobs', lanname: 'plpgsql' },
        { proname: 'complete_attempts', lanname: 'plpgsql' },
        { proname: 'expand_fanouts', lanname: 'plpgsql' },
        { proname: 'fanout_delivery_id', lanname: 'sql' },
        { proname: 'insert_messages', lanname: 'plpgsql' },
        { proname: 'next_delivery_at', lanname: 'plpgsql' },
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

    it('records an occurrence once when instances on separate pools race to insert it', async () => {
      const a = await open();
      const b = new PostgresStorage({ connectionString: await postgresUrl(), schema: a.schema, max: 4 });
      cleanups.push(() => b.close());
      await a.insertJob(minimalJob('j'));
      for (let i = 0; i < 20; i++) {
        const key = `occ-${i}`;
        const results = await Promise.all([
          a.insertRun(run(`a-${i}`, 'j', { occurrenceKey: key })),
          b.insertRun(run(`b-${i}`, 'j', { occurrenceKey: key })),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
      }
      expect(await a.listRuns({ jobId: 'j', limit: 100 })).toHaveLength(20);
    });

    it('NOTIFY wakes a subscriber in another instance when jobs change or deliveries are due', async () => {
      const listening = await open();
      const writer = new PostgresStorage({
        connectionString: await postgresUrl(),
        schema: listening.schema,
        max: 2,
      });
      cleanups.push(() => writer.close());
      const heard: StorageChange[] = [];
      let wake: () => void = () => {};
      const unsubscribe = await listening.subscribe((change) => {
        heard.push(change);
        wake();
      });
      const next = (count: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`heard only ${JSON.stringify(heard)}`)), 5_000);
          wake = () => {
            if (heard.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          };
          wake();
        });

      await writer.insertJob(minimalJob('j'));
      await next(1);
      expect(heard).toEqual(['jobs']);
      await writer.insertEndpoint(endpoint('ep'));
      await writer.insertMessage({ message: message('m'), deliveries: [delivery('d', 'm', 'ep')] });
      await next(2);
      expect(heard).toEqual(['jobs', 'deliveries']);

      unsubscribe();
      await writer.updateJob(minimalJob('j', { name: 'changed' }));
      // A subscriber that comes later still hears changes, so the earlier one had its chance.
      const later: StorageChange[] = [];
      let heardLater: () => void = () => {};
      const laterHeard = new Promise<void>((resolve) => {
        heardLater = resolve;
      });
      await writer.subscribe((change) => {
        later.push(change);
        heardLater();
      });
      await writer.deleteJob('j');
      await laterHeard;
      expect(later[0]).toBe('jobs');
      expect(heard).toEqual(['jobs', 'deliveries']);
    });

    it('keeps a subscription through a lost LISTEN connection, telling subscribers to look again', async () => {
      const storage = await open();
      const heard: StorageChange[] = [];
      let wake: () => void = () => {};
      const unsubscribe = await storage.subscribe((change) => {
        heard.push(change);
        wake();
      });
      cleanups.push(async () => unsubscribe());
      const until = (done: () => boolean) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`heard only ${JSON.stringify(heard)}`)), 5_000);
          wake = () => {
            if (done()) {
              clearTimeout(timer);
              resolve();
            }
          };
          wake();
        });
      const channel = `cronhook_${storage.schema}`;
      const terminated = await withPool((pool) =>
        pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1', [
          `LISTEN "${channel}"`,
        ]),
      );
      expect(terminated.rowCount).toBe(1);
      await until(() => heard.includes('jobs') && heard.includes('deliveries'));
      heard.length = 0;
      await storage.insertJob(minimalJob('after-reconnect'));
      await until(() => heard.includes('jobs'));
    });

    it('refuses text PostgreSQL cannot hold (NUL) with ERR_STORAGE, storing nothing', async () => {
      const storage = await open();
      await expect(storage.insertJob(minimalJob('j', { name: 'a\u0000b' }))).rejects.toMatchObject({
        code: 'ERR_STORAGE',
      });
      expect(await storage.getJob('j')).toBeNull();
    });

    it('reports driver failures as ERR_STORAGE', async () => {
      const storage = await open();
      await withPool((pool) => pool.query(`DROP TABLE "${storage.schema}".jobs`));
      await expect(storage.getJob('j')).rejects.toMatchObject({
        name: 'CronhookError',
        code: 'ERR_STORAGE',
        message: expect.stringContaining('read a job'),
      });
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

    it('renews leases, updates and prunes the same runs at once without a deadlock', async () => {
      // Set-based writes lock their rows in one order (by id): a group of updateRun and a lease renewal
      // over the same runs, each walking them in its own order, must never wait for each other in a cycle.
      const storage = await open();
      await storage.insertJob(minimalJob('busy'));
      const ids = Array.from({ length: 300 }, (_, i) => `run-${String(i).padStart(3, '0')}`);
      const active = (id: string, i: number) =>
        run(id, 'busy', {
          status: 'running',
          scheduledAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
          finishedAt: null,
          lockedUntil: new Date(Date.UTC(2027, 0, 1)),
        });
      for (const [i, id] of ids.entries()) expect(await storage.insertRun(active(id, i))).toBe(true);
      for (let round = 0; round < 15; round++) {
        const until = new Date(Date.UTC(2027, 0, 1, 0, round));
        await Promise.all([
          storage.renewRunLeases({ instanceId: 'instance-a', runIds: [...ids].reverse(), until }),
          ...ids.map((id, i) =>
            storage.updateRun({ ...active(id, i), attempts: round + 1, lockedUntil: until }),
          ),
          storage.renewRunLeases({ instanceId: 'instance-a', runIds: ids, until }),
          storage.pruneRuns({ jobId: 'busy', keep: 1_000 }),
        ]);
      }
      const stored = await storage.listRuns({ jobId: 'busy', limit: 1_000 });
      expect(stored).toHaveLength(300);
      expect(stored.every((r) => r.attempts === 15)).toBe(true);
    });

    it('validates its options without echoing a connection string', () => {
      const secretUrl = 'postgres://app:hunter2@db.internal:5432/app';
      expect(() => new PostgresStorage({ connectionString: secretUrl, schema: 'bad-name' })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'schema' }),
      );
      expect(() => new PostgresStorage({ connectionString: '' })).toThrow(
        expect.objectContaining({ field: 'connectionString' }),
      );
      expect(() => new PostgresStorage({ connectionString: secretUrl, max: 0 })).toThrow(/max/);
      expect(
        () => new PostgresStorage({ connectionString: secretUrl, autoMigrate: 'no' as unknown as boolean }),
      ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'autoMigrate' }));
      expect(
        () =>
          new PostgresStorage({ connectionString: secretUrl, preparedStatements: 1 as unknown as boolean }),
      ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'preparedStatements' }));
      expect(() => new PostgresStorage({ connectionString: secretUrl, schema: 'x;drop' })).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
      );
    });
  });
});
