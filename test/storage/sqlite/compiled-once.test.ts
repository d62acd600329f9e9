import { constants } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { SqliteConnection } from '../../../src/storage/sqlite/connection/connection.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { SqliteJobs } from '../../../src/storage/sqlite/jobs.js';
import { SqliteOutbox } from '../../../src/storage/sqlite/outbox.js';
import {
  activeRun,
  at,
  attempt,
  delivery,
  endpoint,
  fullJob,
  message,
  run,
} from '../../../src/testing/storage-suite/fixtures.js';
import { fanoutMessage } from '../../helpers/storage.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('sqlite-compiled-once');

/** A migrated database file, and a connection of its own to it, whose compiles are counted. */
async function migratedConnection(): Promise<SqliteConnection> {
  const path = temp.file('cronhook.db');
  const migrated = new SqliteStorage({ path });
  await migrated.migrate();
  await migrated.close();
  return new SqliteConnection({ path, busyTimeoutMs: 5_000, synchronous: 'full' });
}

/**
 * Counts the statements the connection compiles: SQLite asks the authorizer at every compile (a first
 * prepare, or again when a run finds its statement marked to be compiled anew), never at a run.
 */
function compiles({ db }: SqliteConnection): { count: number } {
  const counter = { count: 0 };
  db.setAuthorizer(() => {
    counter.count++;
    return constants.SQLITE_OK;
  });
  return counter;
}

// Claims run for every few deliveries and at every scheduler tick: a statement SQLite compiles again at each
// run costs them a parse and a plan each time (a `LIMIT ?` did, see RUN_LIMIT).
describe('SqliteStorage claims', () => {
  it('claims of deliveries (with fan-outs stored or not) and outcomes compile their statements once', async () => {
    const connection = await migratedConnection();
    const storage = new SqliteOutbox(connection);
    for (const id of ['ep-1', 'ep-2']) await storage.insertEndpoint(endpoint(id));
    for (let n = 0; n < 12; n++)
      await storage.insertMessage({
        message: message(`m-${n}`),
        deliveries: [delivery(`d-${n}`, `m-${n}`, `ep-${(n % 2) + 1}`, { nextAttemptAt: at(n) })],
      });
    // Fan-outs due later than every claim here: each claim still looks for those due.
    for (let n = 0; n < 3; n++)
      await storage.insertFanout({
        message: fanoutMessage(at(n)),
        endpointIds: ['ep-1', 'ep-2'],
        nextAttemptAt: at(3_600_000),
      });
    let seq = 0;
    let limit = 1;
    const claimAndComplete = async () => {
      // A claim's count changes with the notifier's free slots.
      limit = (limit % 3) + 1;
      const claimed = await storage.claimDeliveries({
        now: at(100),
        limit,
        instanceId: 'i',
        leaseMs: 30_000,
      });
      expect(claimed).toHaveLength(limit);
      await Promise.all(
        claimed.map((d) =>
          storage.completeAttempt({
            delivery: { ...d, status: 'succeeded', attempts: 1, nextAttemptAt: null, updatedAt: at(101) },
            attempt: attempt(`a-${seq++}`, d.id, { statusCode: 200, error: null, startedAt: at(100) }),
          }),
        ),
      );
    };
    await claimAndComplete();
    const compiled = compiles(connection);
    // Setting an authorizer has SQLite compile every statement again once.
    await claimAndComplete();
    compiled.count = 0;
    for (let i = 0; i < 3; i++) await claimAndComplete();
    expect(compiled.count).toBe(0);
    await connection.close();
  });

  it('claims of due jobs, run requests and expired runs compile their statements once', async () => {
    const connection = await migratedConnection();
    const jobs = new SqliteJobs(connection);
    for (let n = 0; n < 12; n++) {
      await jobs.insertJob(fullJob(`job-${n}`, { nextRunAt: at(n) }));
      // A run request (queued, no holder) and a run whose holder's lease ran out.
      await jobs.insertRun(
        run(`req-${n}`, `job-${n}`, {
          status: 'queued',
          instanceId: null,
          scheduledAt: at(n),
          lockedUntil: at(60_000),
        }),
      );
      await jobs.insertRun(activeRun(`run-${n}`, `job-${n}`, at(1), { scheduledAt: at(-n - 1) }));
    }
    let limit = 1;
    const claimEach = async () => {
      // A claim's count changes with the scheduler's free slots.
      limit = (limit % 3) + 1;
      const options = { now: at(100), limit, instanceId: 'i', leaseMs: 30_000 };
      expect(await jobs.claimDueJobs(options)).toHaveLength(limit);
      expect((await jobs.claimRunRequests({ ...options, handlers: [] })).taken).toHaveLength(limit);
      expect(await jobs.claimExpiredRuns(options)).toHaveLength(limit);
    };
    await claimEach();
    const compiled = compiles(connection);
    // Setting an authorizer has SQLite compile every statement again once.
    await claimEach();
    compiled.count = 0;
    for (let i = 0; i < 3; i++) await claimEach();
    expect(compiled.count).toBe(0);
    await connection.close();
  });
});
