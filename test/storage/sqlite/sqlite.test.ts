import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { SQLITE_SCHEMA_VERSION, sqliteMigrations } from '../../../src/storage/sqlite/schema.js';
import type { Storage } from '../../../src/storage/types.js';
import { testStorage } from '../../../src/testing/storage.js';
import {
  at,
  delivery,
  endpoint,
  message,
  minimalJob,
  run,
} from '../../../src/testing/storage-suite/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'cronhook-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `db-${n++}`, 'nested', 'cronhook.db');

/** The file of each storage the suite's factory made, for its `reopen`. */
const files = new WeakMap<Storage, string>();
testStorage(
  'SqliteStorage (file)',
  () => {
    const path = freshPath();
    const storage = new SqliteStorage({ path });
    files.set(storage, path);
    return storage;
  },
  { reopen: (storage) => new SqliteStorage({ path: files.get(storage)!, shared: true }) },
);
testStorage('SqliteStorage (:memory:)', () => new SqliteStorage({ path: ':memory:' }));

describe('SqliteStorage', () => {
  it('creates the database file and its folders, in WAL mode', async () => {
    const path = freshPath();
    expect(existsSync(path)).toBe(false);
    const storage = new SqliteStorage({ path });
    await storage.migrate();
    expect(existsSync(path)).toBe(true);
    const peek = new DatabaseSync(path, { readOnly: true });
    expect(peek.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    peek.close();
    await storage.close();
  });

  it('creates the database, WAL and shared-memory files readable by their owner only (0600)', async () => {
    const path = freshPath();
    const previous = process.umask(0o022); // the usual umask, which makes new files 0644
    try {
      const storage = new SqliteStorage({ path });
      await storage.migrate();
      await storage.insertJob(minimalJob('j'));
      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        expect({ file, mode: (statSync(file).mode & 0o777).toString(8) }).toEqual({ file, mode: '600' });
      }
      await storage.close();
    } finally {
      process.umask(previous);
    }
  });

  it('leaves the mode of an existing database file as it is', async () => {
    const path = join(dir, 'existing.db');
    writeFileSync(path, '');
    chmodSync(path, 0o640);
    const storage = new SqliteStorage({ path });
    await storage.migrate();
    expect(statSync(path).mode & 0o777).toBe(0o640);
    await storage.close();
  });

  it('keeps everything across close and reopen', async () => {
    const path = freshPath();
    const first = new SqliteStorage({ path });
    await first.migrate();
    await first.insertJob(minimalJob('kept'));
    await first.close();
    const second = new SqliteStorage({ path });
    await second.migrate();
    expect(await second.getJob('kept')).toEqual(minimalJob('kept'));
    await second.close();
  });

  it('records the schema version, and two storages on one file migrate and share leases', async () => {
    const path = freshPath();
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
    ]);
    peek.close();
    await a.insertJob(minimalJob('shared'));
    const lease = { now: at(0), limit: 10, leaseMs: 30_000 };
    expect(await a.claimDueJobs({ ...lease, instanceId: 'a' })).toHaveLength(1);
    expect(await b.claimDueJobs({ ...lease, instanceId: 'b' })).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('upgrades a version 1 database, keeping its data; pruning and claims then use the new indexes', async () => {
    const path = freshPath();
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
    old.exec(`DROP TRIGGER cronhook_runs_outcome_insert;
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
    peek.close();
  });

  it('refuses a database written by a newer cronhook with ERR_SCHEMA_TOO_NEW and changes nothing', async () => {
    const path = freshPath();
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
    const path = freshPath();
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
    const path = freshPath();
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
    const path = freshPath();
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
    const path = freshPath();
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

  it("reads of endpoints and messages see other connections' commits and this one's own writes", async () => {
    // Endpoints and messages are kept decoded between reads (the notifier reads both for every attempt).
    const path = freshPath();
    const a = new SqliteStorage({ path });
    const b = new SqliteStorage({ path });
    await a.migrate();
    await a.insertEndpoint(endpoint('ep'));
    await a.insertMessage({ message: message('m'), deliveries: [delivery('d', 'm', 'ep')] });
    expect(await a.getEndpoint('ep')).toEqual(endpoint('ep'));
    expect(await a.getMessage('m')).toEqual(message('m'));
    // Another storage on the file (another process) changes the endpoint and prunes the message.
    const changed = endpoint('ep', { url: 'https://changed.example.com/in', updatedAt: at(9) });
    await b.updateEndpoint(changed);
    expect(await a.getEndpoint('ep')).toEqual(changed);
    await b.updateDelivery(delivery('d', 'm', 'ep', { status: 'succeeded', nextAttemptAt: null }));
    expect(await b.pruneDeliveries({ before: at(1) })).toBe(1);
    expect(await a.getMessage('m')).toBeNull();
    // Its own writes, at once.
    const again = { ...changed, enabled: false, updatedAt: at(10) };
    await a.updateEndpoint(again);
    expect(await a.getEndpoint('ep')).toEqual(again);
    // Each read is the caller's own copy.
    (await a.getEndpoint('ep'))!.topics.push('mutated');
    expect(await a.getEndpoint('ep')).toEqual(again);
    await a.deleteEndpoint('ep');
    expect(await a.getEndpoint('ep')).toBeNull();
    await b.close();
    await a.close();
  });

  it("endpoint listings see other connections' commits and this one's own writes", async () => {
    // Every publish lists every endpoint: the list is kept decoded between reads too.
    const path = freshPath();
    const a = new SqliteStorage({ path });
    const b = new SqliteStorage({ path });
    await a.migrate();
    await a.insertEndpoint(endpoint('ep1', { createdAt: at(1) }));
    await a.insertEndpoint(endpoint('ep2', { createdAt: at(2) }));
    const ids = async () => (await a.listEndpoints()).map((e) => e.id);
    expect(await ids()).toEqual(['ep1', 'ep2']);
    // Another storage on the file (another process) adds one, changes one and removes one.
    await b.insertEndpoint(endpoint('ep3', { createdAt: at(3) }));
    expect(await ids()).toEqual(['ep1', 'ep2', 'ep3']);
    const changed = endpoint('ep1', {
      createdAt: at(1),
      url: 'https://changed.example.com/in',
      updatedAt: at(9),
    });
    await b.updateEndpoint(changed);
    expect((await a.listEndpoints())[0]).toEqual(changed);
    await b.deleteEndpoint('ep2');
    expect(await ids()).toEqual(['ep1', 'ep3']);
    // Its own writes, at once, with pages as before.
    await a.insertEndpoint(endpoint('ep4', { createdAt: at(4) }));
    expect(await ids()).toEqual(['ep1', 'ep3', 'ep4']);
    await a.updateEndpoint({ ...changed, enabled: false });
    expect((await a.listEndpoints({ limit: 2 })).map((e) => [e.id, e.enabled])).toEqual([
      ['ep1', false],
      ['ep3', true],
    ]);
    expect((await a.listEndpoints({ after: 'ep3' })).map((e) => e.id)).toEqual(['ep4']);
    await a.deleteEndpoint('ep3');
    expect(await ids()).toEqual(['ep1', 'ep4']);
    // Each listing is the caller's own copy.
    (await a.listEndpoints())[0]!.topics.push('mutated');
    expect((await a.listEndpoints())[0]!.topics).toEqual(changed.topics);
    await b.close();
    await a.close();
  });

  it('lists more endpoints than it keeps in memory, by statement, page after page', async () => {
    const storage = new SqliteStorage({ path: freshPath() });
    await storage.migrate();
    const count = 1_005;
    for (let i = 0; i < count; i++) {
      await storage.insertEndpoint(endpoint(`ep${String(i).padStart(4, '0')}`, { createdAt: at(i) }));
    }
    const listed: string[] = [];
    for (let page = await storage.listEndpoints({ limit: 500 }); page.length > 0; ) {
      listed.push(...page.map((e) => e.id));
      page = await storage.listEndpoints({ limit: 500, after: listed.at(-1)! });
    }
    expect(listed).toHaveLength(count);
    expect(listed[1_004]).toBe('ep1004');
    await storage.close();
  });

  it('reports driver failures as ERR_STORAGE', async () => {
    const storage = new SqliteStorage({ path: ':memory:' });
    await storage.migrate();
    await storage.close();
    await expect(storage.getJob('j')).rejects.toMatchObject({ name: 'CronhookError', code: 'ERR_STORAGE' });
  });

  it('is shared only when told that other processes use the file', async () => {
    const alone = new SqliteStorage({ path: ':memory:' });
    const shared = new SqliteStorage({ path: freshPath(), shared: true });
    expect(alone.shared).toBe(false);
    expect(shared.shared).toBe(true);
    await Promise.all([alone.close(), shared.close()]);
  });

  it('refuses a connection string as its path without repeating it, creating nothing', () => {
    for (const path of ['postgres://user:hunter2@127.0.0.1:5432/db', 'mysql://user:hunter2@db/x']) {
      let error: unknown;
      try {
        new SqliteStorage({ path });
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'ERR_INVALID_OPTION', field: 'path' });
      expect((error as Error).message).toMatch(/not a (postgres|mysql):\/\/ URL/);
      expect((error as Error).message).not.toContain('hunter2');
      // It made folders named after the password, relative to the working directory.
      expect(existsSync(resolve(path.slice(0, path.indexOf(':') + 1)))).toBe(false);
    }
  });

  it('opens a file: URI', async () => {
    const path = join(dir, 'uri.db');
    const storage = new SqliteStorage({ path: `file:${path}` });
    await storage.migrate();
    await storage.close();
    expect(existsSync(path)).toBe(true);
  });

  it('validates its options, naming the field', () => {
    expect(() => new SqliteStorage({ path: '' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'path' }),
    );
    expect(() => new SqliteStorage({ path: ':memory:', busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs.*-1/);
    expect(() => new SqliteStorage({ path: ':memory:', synchronous: 'off' as 'full' })).toThrow(
      expect.objectContaining({ field: 'synchronous' }),
    );
    expect(() => new SqliteStorage({ path: ':memory:', shared: 'yes' as unknown as boolean })).toThrow(
      expect.objectContaining({ field: 'shared' }),
    );
    expect(() => new SqliteStorage({ path: ':memory:', autoMigrate: 0 as unknown as boolean })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'autoMigrate' }),
    );
  });
});
