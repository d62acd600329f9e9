import { expect, it } from 'vitest';
import { newId } from '../../../src/notifier/ids.js';
import type { DeliveryRecord } from '../../../src/notifier/types.js';
import { fanoutDeliveries } from '../../../src/storage/fanout.js';
import { postgresDialect as dialect } from '../../../src/storage/postgres/database.js';
import { insertSql, postgresPlaceholder as ph } from '../../../src/storage/sql/codec.js';
import { deliveryCodec } from '../../../src/storage/sql/outbox-rows.js';
import { at, delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
import { indexesRead, openWatched, plansOf, recordStatements, seqScans } from '../../helpers/pg-plans.js';
import {
  describePostgres,
  fannedDeliveries,
  postgresStorages,
  uniqueSchema,
  withPool,
  writeOutboxAtVersion,
} from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

/** Newest first, as listDeliveries returns them: by creation time, then id, both descending. */
const newestFirst = (records: DeliveryRecord[]) =>
  records
    .slice()
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
    .map((d) => d.id);

const done = { status: 'succeeded', attempts: 1, nextAttemptAt: null, updatedAt: at(1) } as const;

// Schema version 24 (migrations/message-index.ts): the message index holds only the deliveries whose ids are
// not derived from their message's; a read by message finds the others by a range of the primary key.
describePostgres('PostgresStorage deliveries by message', () => {
  const cleanups = useCleanups();
  const { open } = postgresStorages(cleanups);

  it('upgrades a version 23 schema: a message’s deliveries, ids derived from its own or not, are listed by message and by job', async () => {
    const schema = uniqueSchema('msgidx');
    const t = `"${schema}"`;
    // Message m has d-0 .. d-3; the other message is fanned out to ep-2 and ep, not written yet.
    const fannedId = await writeOutboxAtVersion(t, 23);
    const storage = await open(schema);
    // A delivery of the fanned message stored with an id of its own, as the storage API allows.
    const own = delivery('own-1', fannedId, 'ep', { createdAt: at(0) });
    await withPool((pool) =>
      pool.query(insertSql(`${t}.deliveries`, deliveryCodec.columns, ph), deliveryCodec.encode(own, dialect)),
    );
    const fanned = [...fannedDeliveries(fannedId), own];
    const listed = await storage.listDeliveries({ messageId: fannedId });
    expect(listed.map((d) => d.id)).toEqual(newestFirst(fanned));
    expect(listed.map((d) => d.id)).toEqual([
      'own-1',
      ...fanned
        .slice(0, 2)
        .map((d) => d.id)
        .reverse(),
    ]);
    const ofM = await storage.listDeliveries({ messageId: 'm' });
    expect(ofM.map((d) => d.id)).toEqual(['d-3', 'd-2', 'd-1', 'd-0']);
    // Both messages are job-a's (the fixture's), created at(0).
    const ofJob = await storage.listDeliveries({ jobId: 'job-a' });
    expect(ofJob.map((d) => d.id)).toEqual(newestFirst([...fanned, ...ofM]));
    expect(await storage.listDeliveries({ jobId: 'job-a', messageId: 'm', limit: 2 })).toEqual(
      ofM.slice(0, 2),
    );
    expect(
      (await storage.listDeliveries({ messageId: fannedId, status: 'pending', before: listed[0]! })).map(
        (d) => d.id,
      ),
    ).toEqual(listed.slice(1).map((d) => d.id));
  });

  it('prunes a message only once no delivery of it is left, whether their ids are derived from its own or not', async () => {
    const storage = await open();
    for (const id of ['ep', 'ep-2']) await storage.insertEndpoint(endpoint(id));
    const stored = async (
      name: string,
      derived: Partial<DeliveryRecord>[],
      own: Partial<DeliveryRecord>[],
    ) => {
      const m = message(newId('msg', at(0).getTime()), { createdAt: at(0) });
      const records = [
        ...fanoutDeliveries(m, ['ep', 'ep-2'].slice(0, derived.length), at(0)).map((d, i) => ({
          ...d,
          ...derived[i],
        })),
        ...own.map((o, i) => delivery(`${name}-own-${i}`, m.id, 'ep', o)),
      ];
      await storage.insertMessage({ message: m, deliveries: records });
      return m.id;
    };
    const derivedLeft = await stored('a', [{}], [done]);
    const ownLeft = await stored('b', [done], [{}]);
    const allDerivedDone = await stored('c', [done, done], []);
    const allOwnDone = await stored('d', [], [done]);
    expect(await storage.pruneDeliveries({ before: at(10_000) })).toBe(5);
    expect(await storage.getMessage(derivedLeft)).not.toBeNull();
    expect(await storage.getMessage(ownLeft)).not.toBeNull();
    expect(await storage.getMessage(allDerivedDone)).toBeNull();
    expect(await storage.getMessage(allOwnDone)).toBeNull();
    expect((await storage.listDeliveries({ messageId: derivedLeft })).map((d) => d.status)).toEqual([
      'pending',
    ]);
    expect((await storage.listDeliveries({ messageId: ownLeft })).map((d) => d.id)).toEqual(['b-own-0']);
  });

  it('reads a message’s deliveries by the primary key and the message index, never by a scan of the table', async () => {
    const { storage, pool, schema } = await openWatched(cleanups, 'msgplan');
    const endpointIds = Array.from({ length: 20 }, (_, i) => `ep-${i}`);
    for (const id of endpointIds) await storage.insertEndpoint(endpoint(id));
    let last = '';
    for (let i = 0; i < 100; i++) {
      const m = message(newId('msg', at(i).getTime()), { createdAt: at(i), jobId: `job-${i % 10}` });
      const own = delivery(`own-${i}`, m.id, 'ep-0', { createdAt: at(i) });
      await storage.insertMessage({
        message: m,
        deliveries: [...fanoutDeliveries(m, endpointIds, at(i)), own],
      });
      last = m.id;
    }
    await pool.query(`ANALYZE "${schema}".deliveries, "${schema}".messages`);
    const { sent, stop } = recordStatements(pool);
    expect(await storage.listDeliveries({ messageId: last })).toHaveLength(21);
    expect(await storage.listDeliveries({ jobId: 'job-3', limit: 30 })).toHaveLength(30);
    stop();
    const reads = sent.filter((s) => s.text.includes('ORDER BY'));
    expect(reads).toHaveLength(2);
    for (const read of reads) {
      for (const plan of await plansOf(pool, read)) {
        expect(seqScans(plan)).toEqual([]);
        expect(indexesRead(plan)).toEqual(
          expect.arrayContaining(['deliveries_pkey', 'deliveries_message_own']),
        );
      }
    }
  });
});
