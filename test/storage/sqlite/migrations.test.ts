import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { SQLITE_SCHEMA_VERSION, sqliteMigrations } from '../../../src/storage/sqlite/schema.js';
import {
  at,
  delivery,
  endpoint,
  message,
  minimalJob,
  run,
} from '../../../src/testing/storage-suite/fixtures.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('sqlite');

describe('SqliteStorage migrations', () => {
  it('records the schema version, and two storages on one file migrate and share leases', async () => {
    const path = temp.file('cronhook.db');
    const a = new SqliteStorage({ path });
    const b = new SqliteStorage({ path });
    await Promise.all([a.migrate(), b.migrate()]);
    const peek = new DatabaseSync(path, { readOnly: true });
    expect(peek.prepare('SELECT version, name FROM cronhook_migrations').all()).toEqual([
      { version: 1, name: 'initial' },
      { version: 2, name: 'finished deliveries by updated_at' },
      { version: 3, name: 'due jobs and deliveries in claim order' },
      { version: 4, name: 'deliveries to disabled endpoints parked' },
      { version: 5, name: 'trace context of messages, propagation per endpoint' },
      { version: 6, name: 'run requests' },
      { version: 7, name: 'indexes for stats and operator lists' },
      { version: 8, name: 'failing jobs' },
      { version: 9, name: 'fan-outs kept on their message until written' },
      { version: 10, name: 'delivery list indexes in ascending order' },
    ]);
    peek.close();
    await a.insertJob(minimalJob('shared'));
    const lease = { now: at(0), limit: 10, leaseMs: 30_000 };
    expect(await a.claimDueJobs({ ...lease, instanceId: 'a' })).toHaveLength(1);
    expect(await b.claimDueJobs({ ...lease, instanceId: 'b' })).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('upgrades a version 1 database, keeping its data; pruning and claims then use the new indexes', async () => {
    const path = temp.file('cronhook.db');
    const v1 = new SqliteStorage({ path });
    await v1.migrate();
    await v1.insertJob(minimalJob('j'));
    await v1.insertJob(minimalJob('k'));
    // j's newest finished run failed; k's failure was followed by a success.
    await v1.insertRun(run('j1', 'j', { status: 'failed', scheduledAt: at(-2), occurrenceKey: 'j1' }));
    await v1.insertRun(run('j2', 'j', { status: 'queued', scheduledAt: at(-1), occurrenceKey: 'j2' }));
    await v1.insertRun(run('k1', 'k', { status: 'failed', scheduledAt: at(-2), occurrenceKey: 'k1' }));
    await v1.insertRun(run('k2', 'k', { status: 'succeeded', scheduledAt: at(-1), occurrenceKey: 'k2' }));
    await v1.insertEndpoint(endpoint('off', { enabled: false, disabledReason: 'failing' }));
    await v1.insertMessage({ message: message('m-off'), deliveries: [delivery('d-off', 'm-off', 'off')] });
    await v1.close();
    // Turn it back into what cronhook with only the first migration left behind.
    const old = new DatabaseSync(path);
    old.exec(`DROP INDEX cronhook_deliveries_newest;
      CREATE INDEX cronhook_deliveries_newest ON cronhook_deliveries (created_at DESC, id DESC);
      DROP INDEX cronhook_deliveries_endpoint;
      CREATE INDEX cronhook_deliveries_endpoint ON cronhook_deliveries (endpoint_id, created_at DESC, id DESC);
      DROP TRIGGER cronhook_runs_outcome_insert;
      DROP TRIGGER cronhook_runs_outcome_update;
      DROP INDEX cronhook_messages_fanout;
      ALTER TABLE cronhook_messages DROP COLUMN fanout;
      ALTER TABLE cronhook_messages DROP COLUMN fanout_due;
      DROP INDEX cronhook_jobs_failing;
      ALTER TABLE cronhook_jobs DROP COLUMN failing;
      DROP INDEX cronhook_jobs_paused;
      DROP INDEX cronhook_runs_status;
      DROP INDEX cronhook_deliveries_failed_endpoint;
      DROP INDEX cronhook_runs_failed;
      DROP INDEX cronhook_deliveries_pending;
      DROP INDEX cronhook_deliveries_failed;
      DROP INDEX cronhook_messages_job;
      DROP INDEX cronhook_deliveries_finished;
      DROP INDEX cronhook_jobs_due;
      CREATE INDEX cronhook_jobs_wake ON cronhook_jobs (wake_at) WHERE enabled = 1;
      DROP INDEX cronhook_deliveries_ready;
      ALTER TABLE cronhook_deliveries DROP COLUMN parked;
      ALTER TABLE cronhook_messages DROP COLUMN traceparent;
      ALTER TABLE cronhook_messages DROP COLUMN tracestate;
      ALTER TABLE cronhook_endpoints DROP COLUMN propagate_trace_context;
      DROP INDEX cronhook_runs_requests;
      CREATE INDEX cronhook_deliveries_wake ON cronhook_deliveries (wake_at) WHERE status = 'pending';
      DELETE FROM cronhook_migrations WHERE version > 1`);
    old.close();

    const storage = new SqliteStorage({ path });
    await storage.migrate();
    expect(await storage.getJob('j')).toEqual(minimalJob('j'));
    // Version 5: messages stored before it have no trace context; endpoints keep propagating.
    expect(await storage.getMessage('m-off')).toEqual(message('m-off'));
    expect((await storage.getEndpoint('off'))?.propagateTraceContext).toBe(true);
    // Version 8 finds the failing jobs in the run history.
    expect((await storage.listFailingJobs()).map((job) => job.id)).toEqual(['j']);
    await storage.close();
    const peek = new DatabaseSync(path, { readOnly: true });
    expect(peek.prepare('SELECT MAX(version) AS v FROM cronhook_migrations').get()).toEqual({
      v: sqliteMigrations.at(-1)!.version,
    });
    const plan = peek
      .prepare(
        `EXPLAIN QUERY PLAN SELECT id, message_id FROM cronhook_deliveries
         WHERE status IN ('succeeded', 'failed') AND updated_at < 1 ORDER BY updated_at, id LIMIT 10`,
      )
      .all()
      .map((row) => String(row.detail));
    expect(plan.join('\n')).toContain('cronhook_deliveries_finished');
    // Version 4 parks the pending deliveries of endpoints that were disabled when it ran.
    expect(peek.prepare('SELECT id FROM cronhook_deliveries WHERE parked = 1').all()).toEqual([
      { id: 'd-off' },
    ]);
    // Claims read due items in claim order from the version 3 indexes, without sorting them.
    const claimPlan = (sql: string) =>
      peek
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all()
        .map((row) => String(row.detail))
        .join('\n');
    const jobs = claimPlan(
      'SELECT * FROM cronhook_jobs WHERE enabled = 1 AND wake_at <= 1 ORDER BY wake_at, id LIMIT 10',
    );
    expect(jobs).toContain('cronhook_jobs_due');
    expect(jobs).not.toContain('TEMP B-TREE');
    const deliveries = claimPlan(
      `SELECT d.* FROM cronhook_deliveries d JOIN cronhook_endpoints e ON e.id = d.endpoint_id
       WHERE d.status = 'pending' AND d.parked = 0 AND e.enabled = 1 AND d.wake_at <= 1
       ORDER BY d.wake_at, d.id LIMIT 10`,
    );
    expect(deliveries).toContain('cronhook_deliveries_ready');
    expect(deliveries).not.toContain('TEMP B-TREE');
    // Version 10: the lists' indexes ascending, read backwards for newest first, without sorting.
    const indexSql = (name: string) =>
      String(peek.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name)?.sql);
    expect(indexSql('cronhook_deliveries_newest')).toContain('(created_at, id)');
    expect(indexSql('cronhook_deliveries_endpoint')).toContain('(endpoint_id, created_at, id)');
    const newest = claimPlan(
      `SELECT * FROM cronhook_deliveries WHERE endpoint_id = 'off' AND (created_at, id) < (1, 'x')
       ORDER BY created_at DESC, id DESC LIMIT 10`,
    );
    expect(newest).toContain('cronhook_deliveries_endpoint');
    expect(newest).not.toContain('TEMP B-TREE');
    peek.close();
  });

  it('refuses a database written by a newer cronhook with ERR_SCHEMA_TOO_NEW and changes nothing', async () => {
    const path = temp.file('cronhook.db');
    const old = new SqliteStorage({ path });
    await old.migrate();
    await old.insertJob(minimalJob('j'));
    await old.close();
    const newer = new DatabaseSync(path);
    newer.exec("INSERT INTO cronhook_migrations (version, name) VALUES (999, 'from the future')");
    newer.close();

    const storage = new SqliteStorage({ path });
    await expect(storage.migrate()).rejects.toMatchObject({
      code: 'ERR_SCHEMA_TOO_NEW',
      message: expect.stringContaining('version 999'),
    });
    await storage.close();
    const peek = new DatabaseSync(path, { readOnly: true });
    expect(peek.prepare('SELECT MAX(version) AS v FROM cronhook_migrations').get()).toEqual({ v: 999 });
    expect(peek.prepare('SELECT id FROM cronhook_jobs').all()).toEqual([{ id: 'j' }]);
    peek.close();
  });

  it('migrates a fresh file on first use: a job added before migrate() or start() is stored', async () => {
    const path = temp.file('cronhook.db');
    const storage = new SqliteStorage({ path });
    await storage.insertJob(minimalJob('early'));
    expect(await storage.getJob('early')).toEqual(minimalJob('early'));
    await storage.close();
    const peek = new DatabaseSync(path, { readOnly: true });
    expect(peek.prepare('SELECT MAX(version) AS v FROM cronhook_migrations').get()).toEqual({
      v: SQLITE_SCHEMA_VERSION,
    });
    peek.close();
  });

  it('with autoMigrate: false never changes the schema, says to run migrate(), and works once someone has', async () => {
    const path = temp.file('cronhook.db');
    const locked = new SqliteStorage({ path, autoMigrate: false });
    const outdated = {
      name: 'CronhookError',
      code: 'ERR_SCHEMA_OUTDATED',
      field: 'autoMigrate',
      message: expect.stringMatching(/has no cronhook schema yet.*needs version \d+.*storage\.migrate\(\)/),
    };
    await expect(locked.insertJob(minimalJob('j'))).rejects.toMatchObject(outdated);
    await expect(locked.ready()).rejects.toMatchObject(outdated);
    const scheduler = new Scheduler({ storage: locked });
    await expect(scheduler.start()).rejects.toMatchObject(outdated);
    const peek = new DatabaseSync(path, { readOnly: true });
    expect(peek.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'cronhook%'").all()).toEqual([]);
    peek.close();

    // Migrated by someone else (a deploy step): the same storage now works, and the scheduler starts.
    const admin = new SqliteStorage({ path });
    await admin.migrate();
    await admin.close();
    await locked.insertJob(minimalJob('j'));
    await scheduler.start();
    await scheduler.stop();
    expect((await locked.listJobs()).map((j) => j.id)).toEqual(['j']);
    await locked.close();
  });

  it('with autoMigrate: false refuses a schema an upgrade has not reached yet, naming its version', async () => {
    const path = temp.file('cronhook.db');
    const v1 = new SqliteStorage({ path });
    await v1.migrate();
    await v1.close();
    const old = new DatabaseSync(path);
    old.exec('DELETE FROM cronhook_migrations WHERE version > 1');
    old.close();
    const locked = new SqliteStorage({ path, autoMigrate: false });
    await expect(locked.getJob('j')).rejects.toMatchObject({
      code: 'ERR_SCHEMA_OUTDATED',
      message: expect.stringContaining('is at cronhook schema version 1;'),
    });
    await locked.close();
  });

  it('refuses a newer database on first use too, with or without autoMigrate', async () => {
    const path = temp.file('cronhook.db');
    const current = new SqliteStorage({ path });
    await current.migrate();
    await current.close();
    const newer = new DatabaseSync(path);
    newer.exec("INSERT INTO cronhook_migrations (version, name) VALUES (999, 'from the future')");
    newer.close();
    for (const autoMigrate of [true, false]) {
      const storage = new SqliteStorage({ path, autoMigrate });
      await expect(storage.listJobs()).rejects.toMatchObject({ code: 'ERR_SCHEMA_TOO_NEW' });
      await storage.close();
    }
  });
});
