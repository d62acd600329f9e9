import { setImmediate as nextTurn } from 'node:timers/promises';
import { expect, it, vi } from 'vitest';
import {
  attempt,
  delivery,
  endpoint,
  message,
  minimalJob,
} from '../../../src/testing/storage-suite/fixtures.js';
import { describePostgres, postgresStorages } from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

// How PostgresStorage's writes reach the server: the busy paths as prepared statements, and which
// transactions wait for the WAL flush at commit.
describePostgres('PostgresStorage statements and commits', () => {
  const { open, onPool } = postgresStorages(useCleanups());

  it('sends claims and attempt results as prepared statements, and plain ones with preparedStatements: false', async () => {
    const prepared = async (preparedStatements?: boolean) => {
      // One connection, so the session that prepared them is the one asked.
      const { storage, pool } = await onPool({ max: 1 }, { preparedStatements });
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
    expect(statements.some((text) => text.includes('claim_delivery_rows('))).toBe(true);
    expect(statements.some((text) => text.includes('complete_outcomes('))).toBe(true);
    expect(await prepared(false)).toEqual([]);
  });

  it('claims commit without waiting for the WAL flush, in their own transaction only: the session keeps synchronous_commit', async () => {
    // One connection, so the claims and the check below share a session.
    const { storage, pool, schema } = await onPool({ max: 1 });
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
    const { storage, pool, schema } = await onPool({ max: 3, options: '-c synchronous_commit=on' });
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
  it('records attempt results that come in over a few turns of the event loop with one call, each acknowledged once committed', async () => {
    const { storage, pool } = await onPool({ max: 1 });
    await storage.insertEndpoint(endpoint('ep'));
    const ids = ['d1', 'd2', 'd3', 'd4'];
    await storage.insertMessage({
      message: message('m'),
      deliveries: ids.map((id) => delivery(id, 'm', 'ep')),
    });
    const now = new Date('2030-01-01T00:00:00.000Z');
    const claimed = await storage.claimDeliveries({ now, limit: 4, instanceId: 'a', leaseMs: 60_000 });
    expect(claimed.map((d) => d.id)).toEqual(ids);
    const query = vi.spyOn(pool, 'query');
    const calls = () =>
      query.mock.calls.filter(([sql]) => JSON.stringify(sql).includes('complete_outcomes(')).length;
    // One result per turn, as answers come in: none is sent while more may come.
    const recorded: Promise<void>[] = [];
    for (const d of claimed) {
      recorded.push(
        storage.completeAttempt({
          delivery: { ...d, status: 'succeeded', attempts: 1, nextAttemptAt: null },
          attempt: attempt(`a-${d.id}`, d.id),
        }),
      );
      await nextTurn();
    }
    expect(calls()).toBe(0);
    await Promise.all(recorded);
    expect(calls()).toBe(1);
    for (const id of ids) {
      expect((await storage.getDelivery(id))?.status).toBe('succeeded');
      expect(await storage.listAttempts(id)).toHaveLength(1);
    }
  });
});
