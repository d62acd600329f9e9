/**
 * SqliteStorage's insertFanout (schema version 9): a fan-out is one message row until a claim or a read
 * writes its delivery records. Every sequence of calls here is made on two storages, one given the fan-out
 * through insertFanout and one given the same records through insertMessage, and each must answer the same.
 * Fan-outs on a file shared by storages, upgraded, or stored by a killed process: fanout-file.test.ts.
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { fanoutDeliveryId } from '../../../src/notifier/ids.js';
import { fanoutDeliveries } from '../../../src/storage/fanout.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import type { FanoutInput, Storage } from '../../../src/storage/types.js';
import { at, delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
import { fanoutMessage } from '../../helpers/storage.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const dir = useTempDir('sqlite-fanout').path;
let files = 0;
const freshPath = () => join(dir, `fanout-${files++}.db`);

/** The same state on two storages: `records` got insertMessage, `compact` got insertFanout. */
async function pair(fanouts: FanoutInput[], compactPath = ':memory:') {
  const records = new SqliteStorage({ path: ':memory:' });
  const compact = new SqliteStorage({ path: compactPath });
  for (const s of [records, compact]) {
    await s.insertEndpoint(endpoint('e1', { createdAt: at(1) }));
    await s.insertEndpoint(endpoint('e2', { createdAt: at(2) }));
    await s.insertEndpoint(endpoint('e3', { createdAt: at(3), enabled: false, disabledReason: 'failing' }));
    await s.insertEndpoint(endpoint('e4', { createdAt: at(4) }));
    // A delivery stored as a record either way, due between the fan-outs.
    await s.insertMessage({
      message: message('m-plain', { createdAt: at(5) }),
      deliveries: [delivery('d-plain', 'm-plain', 'e1', { createdAt: at(5), nextAttemptAt: at(5) })],
    });
  }
  for (const input of fanouts) {
    await records.insertMessage({
      message: input.message,
      deliveries: fanoutDeliveries(input.message, input.endpointIds, input.nextAttemptAt),
    });
    await compact.insertFanout!(input);
  }
  /** Runs `call` on both (records first) and expects the same answer. */
  const same = async <T>(call: (s: Storage) => Promise<T>): Promise<T> => {
    const expected = await call(records);
    expect(await call(compact)).toEqual(expected);
    return expected;
  };
  const close = () => Promise.all([records.close(), compact.close()]);
  return { records, compact, same, close };
}

/** Two fan-outs around the plain delivery: one due before it (to e3 disabled too), one after (to a gone id). */
function twoFanouts(): FanoutInput[] {
  return [
    { message: fanoutMessage(at(0)), endpointIds: ['e1', 'e2', 'e3'], nextAttemptAt: at(0) },
    {
      message: fanoutMessage(at(10), { jobId: 'job-b', topic: 'job.run.succeeded' }),
      endpointIds: ['e2', 'e4', 'e-gone', 'e1'],
      nextAttemptAt: at(10),
    },
  ];
}

const claim = (now: Date, limit: number, excludeEndpointIds?: string[]) => (s: Storage) =>
  s.claimDeliveries({
    now,
    limit,
    instanceId: 'i1',
    leaseMs: 30_000,
    ...(excludeEndpointIds ? { excludeEndpointIds } : {}),
  });
const everything = (s: Storage) => s.listDeliveries({ limit: 100 });

describe('SqliteStorage.insertFanout', () => {
  it('stores one message row, and writes the delivery records of the fan-outs due when claimed', async () => {
    // A third fan-out, due only after the claim below.
    const later = { message: fanoutMessage(at(15)), endpointIds: ['e1'], nextAttemptAt: at(30) };
    const fanouts = [...twoFanouts(), later];
    const path = freshPath();
    const { same, close } = await pair(fanouts, path);
    const peek = new DatabaseSync(path, { readOnly: true });
    const stored = () => ({
      records: peek.prepare('SELECT id, locked_by FROM cronhook_deliveries ORDER BY id').all(),
      compact: peek.prepare('SELECT id FROM cronhook_messages WHERE fanout IS NOT NULL ORDER BY id').all(),
    });
    expect(stored()).toEqual({
      records: [{ id: 'd-plain', locked_by: null }],
      compact: fanouts.map((f) => ({ id: f.message.id })),
    });
    // Counts and the next due time read the compact form: nothing is written for them.
    expect((await same((s) => s.stats!({ now: at(20) }))).deliveries).toEqual({
      pending: 9,
      failed: 0,
      oldestPendingAt: at(0),
    });
    expect(await same((s) => s.nextDeliveryAt())).toEqual(at(0));
    expect(stored().compact).toHaveLength(3);
    // The two deliveries of the first fan-out to enabled endpoints are due first: written leased. The claim
    // writes the other fan-out due too, pending; the one due later is left as it is.
    await same(claim(at(20), 2));
    const [first, second] = fanouts.map((f) => f.message.id);
    expect(stored()).toEqual({
      records: [
        { id: 'd-plain', locked_by: null },
        { id: fanoutDeliveryId(first!, 0), locked_by: 'i1' },
        { id: fanoutDeliveryId(first!, 1), locked_by: 'i1' },
        ...[2].map((i) => ({ id: fanoutDeliveryId(first!, i), locked_by: null })),
        ...[0, 1, 2, 3].map((i) => ({ id: fanoutDeliveryId(second!, i), locked_by: null })),
      ],
      compact: [{ id: later.message.id }],
    });
    await same(everything);
    await same(claim(at(40), 10));
    expect(stored().compact).toEqual([]);
    peek.close();
    await close();
  });

  it('a claim writes a backlog of fan-outs a few hundred records at a time', async () => {
    const path = freshPath();
    const storage = new SqliteStorage({ path });
    const endpointIds = Array.from({ length: 20 }, (_, i) => `e${i}`);
    for (const id of endpointIds) await storage.insertEndpoint(endpoint(id));
    for (let i = 0; i < 60; i++)
      await storage.insertFanout!({ message: fanoutMessage(at(i)), endpointIds, nextAttemptAt: at(i) });
    const peek = new DatabaseSync(path, { readOnly: true });
    const count = (sql: string) => Number(peek.prepare(sql).get()?.n);
    const taken = await storage.claimDeliveries({ now: at(100), limit: 5, instanceId: 'i', leaseMs: 1_000 });
    expect(taken).toHaveLength(5);
    // 52 fan-outs of 20: the first past 1,024 records.
    expect(count('SELECT count(*) AS n FROM cronhook_deliveries')).toBe(1040);
    expect(count('SELECT count(*) AS n FROM cronhook_messages WHERE fanout IS NOT NULL')).toBe(8);
    expect((await storage.stats!({ now: at(100) })).deliveries.pending).toBe(1200);
    peek.close();
    await storage.close();
  });

  it('a fan-out whose records cannot all be written stays compact; the other writes of its group are kept', async () => {
    // Records go several rows per statement, each statement keeping the rows before one that fails (see
    // fanout-records.ts): the failing write must take them back with it.
    const path = freshPath();
    const storage = new SqliteStorage({ path });
    const endpointIds = Array.from({ length: 70 }, (_, i) => `e${i}`);
    for (const id of endpointIds) await storage.insertEndpoint(endpoint(id));
    const fanout = fanoutMessage(at(1));
    await storage.insertFanout!({ message: fanout, endpointIds, nextAttemptAt: at(1) });
    // A record already there under the id of the fan-out's 67th: the second statement of its records fails.
    const clash = fanoutDeliveryId(fanout.id, 66);
    await storage.insertMessage({
      message: message('m-clash', { createdAt: at(0) }),
      deliveries: [delivery(clash, 'm-clash', 'e0', { createdAt: at(0), nextAttemptAt: at(50) })],
    });
    const [claimed, added] = await Promise.allSettled([
      storage.claimDeliveries({ now: at(10), limit: 5, instanceId: 'i', leaseMs: 1_000 }),
      storage.insertEndpoint(endpoint('e-added')),
    ]);
    expect(claimed.status).toBe('rejected');
    expect(added.status).toBe('fulfilled');
    const peek = new DatabaseSync(path, { readOnly: true });
    expect(peek.prepare('SELECT id FROM cronhook_deliveries').all()).toEqual([{ id: clash }]);
    expect(peek.prepare('SELECT id FROM cronhook_messages WHERE fanout IS NOT NULL').all()).toEqual([
      { id: fanout.id },
    ]);
    expect(peek.prepare("SELECT id FROM cronhook_endpoints WHERE id = 'e-added'").all()).toHaveLength(1);
    peek.close();
    await storage.close();
  });

  it('claims answer as with the records, whatever the limit', async () => {
    for (const limit of [0, 1, 2, 3, 4, 5, 10]) {
      const { same, close } = await pair(twoFanouts());
      await same(claim(at(20), limit));
      await same(claim(at(20), limit));
      await same(everything);
      await same((s) => s.stats!({ now: at(20) }));
      await close();
    }
  });

  it('claims in due order across records and fan-outs, skipping excluded and disabled endpoints', async () => {
    const { same, close } = await pair(twoFanouts());
    // Only the first fan-out and the plain delivery are due at 5.
    expect((await same(claim(at(5), 10))).map((d) => d.endpointId)).toEqual(['e1', 'e2', 'e1']);
    expect(await same(claim(at(20), 10, ['e4']))).toHaveLength(2);
    await same(everything);
    await same((s) => s.nextDeliveryAt());
    // e3 enabled again: its delivery, parked while the fan-out was written, is claimed.
    await same((s) => s.updateEndpoint(endpoint('e3', { createdAt: at(3) })));
    expect((await same(claim(at(20), 10))).map((d) => d.endpointId)).toEqual(['e3', 'e4']);
    await close();
  });

  it('reads see the deliveries of fan-outs not written yet: get, lists, counts, next due', async () => {
    const fanouts = twoFanouts();
    const second = fanouts[1]!.message.id;
    const reads: Array<(s: Storage) => Promise<unknown>> = [
      (s) => s.getDelivery(fanoutDeliveryId(second, 1)),
      (s) => s.getDelivery(fanoutDeliveryId(second, 7)),
      (s) => s.listDeliveries({ messageId: second }),
      (s) => s.listDeliveries({ endpointId: 'e2' }),
      (s) => s.listDeliveries({ status: 'pending', limit: 3 }),
      (s) => s.listDeliveries({ status: 'failed' }),
      (s) => s.listDeliveries({ jobId: 'job-b' }),
      (s) => s.listDeliveries({ topic: 'job.run.succeeded', since: at(1) }),
      (s) => s.listDeliveries({ before: { createdAt: at(10), id: fanoutDeliveryId(second, 2) } }),
      (s) => s.stats!({ now: at(20) }),
      (s) => s.nextDeliveryAt(),
      everything,
    ];
    for (const read of reads) {
      const { same, close } = await pair(fanouts);
      await same(read);
      await same(everything);
      await close();
    }
  });

  it('a delivery not written yet to a deleted endpoint goes with it; updates and attempts find the rest', async () => {
    const fanouts = twoFanouts();
    const { same, close } = await pair(fanouts);
    expect(await same((s) => s.deleteEndpoint('e2'))).toBe(true);
    expect((await same(everything)).map((d) => d.endpointId).sort()).toEqual([
      'e-gone',
      'e1',
      'e1',
      'e1',
      'e3',
      'e4',
    ]);
    await same((s) => s.stats!({ now: at(20) }));
    // An update of a delivery the caller derived itself.
    const [derived] = fanoutDeliveries(fanouts[1]!.message, ['e2', 'e4'], at(10)).slice(1);
    await same((s) => s.updateDelivery({ ...derived!, status: 'failed', updatedAt: at(30) }));
    await same(claim(at(20), 10));
    await same(everything);
    await close();
  });

  it('an update of a delivery not written yet writes its fan-out first', async () => {
    const fanouts = twoFanouts();
    const { same, close } = await pair(fanouts);
    const [first] = fanoutDeliveries(fanouts[0]!.message, fanouts[0]!.endpointIds, at(0));
    await same((s) => s.updateDelivery({ ...first!, status: 'succeeded', attempts: 1, updatedAt: at(7) }));
    await same(everything);
    await same((s) => s.pruneDeliveries!({ before: at(8) }));
    await same(everything);
    await close();
  });
});
