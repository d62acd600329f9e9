import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { WebhookNotifier } from '../../../src/notifier/webhook-notifier.js';
import { EncryptedStorage } from '../../../src/storage/encryption/encrypted-storage.js';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { MockTransport } from '../../../src/testing/mock-transport.js';
import { at, endpoint } from '../../../src/testing/storage-suite/fixtures.js';
import { describePostgres, dropSchema, postgresUrl, uniqueSchema, withPool } from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

// currentEndpoints (storage/postgres/outbox/kept-endpoints.ts): PostgresStorage keeps the decoded endpoints between
// publishes and asks the database only whether they changed. Another instance may change them at any time:
// every change committed before a call must be in its answer.
describePostgres('PostgresStorage currentEndpoints', () => {
  const cleanups = useCleanups();

  async function twoInstances(): Promise<[PostgresStorage, PostgresStorage]> {
    const schema = uniqueSchema('current');
    const url = await postgresUrl();
    const open = () => new PostgresStorage({ connectionString: url, schema, max: 3 });
    const [a, b] = [open(), open()];
    cleanups.push(
      () => dropSchema(schema),
      () => a.close(),
      () => b.close(),
    );
    await a.migrate();
    return [a, b];
  }

  it('sees every endpoint write another instance committed, and hands out the same records while nothing changed', async () => {
    const [a, b] = await twoInstances();
    expect(await b.currentEndpoints!()).toEqual([]);
    await a.insertEndpoint(endpoint('ep-2', { createdAt: at(2) }));
    await a.insertEndpoint(endpoint('ep-1', { createdAt: at(1) }));
    const listed = await b.currentEndpoints!();
    expect(listed).toEqual(await a.listEndpoints());
    expect(Object.isFrozen(listed[0]!.topics)).toBe(true);
    // Unchanged: the very same records, not decoded again.
    expect(await b.currentEndpoints!()).toBe(listed);

    await a.updateEndpoint(endpoint('ep-1', { createdAt: at(1), enabled: false, disabledReason: 'manual' }));
    const paused = await b.currentEndpoints!();
    expect(paused.map((e) => [e.id, e.enabled])).toEqual([
      ['ep-1', false],
      ['ep-2', true],
    ]);
    // A write no cronhook method makes (another tool, an older cronhook): it is seen all the same.
    await withPool((pool) =>
      pool.query(`UPDATE "${a.schema}".endpoints SET url = 'https://other.example/' WHERE id = 'ep-2'`),
    );
    expect((await b.currentEndpoints!())[1]!.url).toBe('https://other.example/');
    expect(await a.deleteEndpoint('ep-1')).toBe(true);
    expect((await b.currentEndpoints!()).map((e) => e.id)).toEqual(['ep-2']);
    expect(await a.deleteEndpoint('ep-2')).toBe(true);
    expect(await b.currentEndpoints!()).toEqual([]);
  });

  it('calls made together share one answer, each seeing what was committed before it', async () => {
    const [a, b] = await twoInstances();
    await a.insertEndpoint(endpoint('ep-1'));
    const together = await Promise.all([b.currentEndpoints!(), b.currentEndpoints!()]);
    expect(together[0]).toBe(together[1]);
    // A call made after a write committed sees it, whatever calls are in flight meanwhile.
    const inFlight = b.currentEndpoints!();
    await a.insertEndpoint(endpoint('ep-2'));
    expect((await b.currentEndpoints!()).map((e) => e.id)).toEqual(['ep-1', 'ep-2']);
    expect((await inFlight).length).toBeGreaterThanOrEqual(1);
  });

  it('a publish goes to the endpoints as another instance left them when it started', async () => {
    const [a, b] = await twoInstances();
    const publisher = new WebhookNotifier({ storage: a, transport: new MockTransport() });
    const admin = new WebhookNotifier({ storage: b, transport: new MockTransport() });
    const deliveredTo = async (messageId: string) =>
      (await a.listDeliveries({ messageId })).map((d) => d.endpointId).sort();
    const first = (await admin.addEndpoint({ url: 'https://one.example/in', topics: ['invoice.*'] }))
      .endpoint;
    expect(await deliveredTo(await publisher.publish('invoice.paid', { n: 1 }))).toEqual([first.id]);
    const second = (await admin.addEndpoint({ url: 'https://two.example/in', topics: ['invoice.*'] }))
      .endpoint;
    expect(await deliveredTo(await publisher.publish('invoice.paid', { n: 2 }))).toEqual(
      [first.id, second.id].sort(),
    );
    await admin.updateEndpoint(first.id, { topics: ['order.*'] });
    expect(await deliveredTo(await publisher.publish('invoice.paid', { n: 3 }))).toEqual([second.id]);
    await admin.updateEndpoint(second.id, { enabled: false });
    expect(await deliveredTo(await publisher.publish('invoice.paid', { n: 4 }))).toEqual([]);
    await admin.enableEndpoint(second.id);
    expect(await deliveredTo(await publisher.publish('invoice.paid', { n: 5 }))).toEqual([second.id]);
    await admin.removeEndpoint(second.id);
    expect(await deliveredTo(await publisher.publish('invoice.paid', { n: 6 }))).toEqual([]);
  });

  it('through EncryptedStorage: secrets opened, each record opened once while it is unchanged', async () => {
    const [a, b] = await twoInstances();
    const keys = [randomBytes(32).toString('base64')];
    const writer = new EncryptedStorage(a, { keys });
    const reader = new EncryptedStorage(b, { keys });
    await writer.insertEndpoint(endpoint('ep'));
    const [stored] = await b.listEndpoints();
    expect(stored!.secrets[0]!.secret).not.toBe(endpoint('ep').secrets[0]!.secret);
    const first = await reader.currentEndpoints!();
    expect(first).toEqual([endpoint('ep')]);
    expect((await reader.currentEndpoints!())[0]).toBe(first[0]);
  });
});
