import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../../src/errors.js';
import type { EndpointRecord } from '../../../src/notifier/types.js';
import { EncryptedStorage } from '../../../src/storage/encryption/encrypted-storage.js';
import { isSealed } from '../../../src/storage/encryption/secret-box.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { MockTransport } from '../../../src/testing/mock-transport.js';
import { endpoint } from '../../../src/testing/storage-suite/fixtures.js';
import { verifyWebhook } from '../../../src/verify/index.js';
import { JOB_AUTH, JOB_SECRET, KEY, OTHER_KEY, SECRET, secretEndpoint } from '../../helpers/encryption.js';
import { createNotifierHarness } from '../../helpers/notifier.js';
import { createTestScheduler } from '../../helpers/scheduler.js';

async function expectCode(promise: Promise<unknown>, code: string): Promise<CronhookError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CronhookError);
  expect((error as CronhookError).code).toBe(code);
  return error as CronhookError;
}

describe('a missing or wrong key', () => {
  /** An endpoint stored through EncryptedStorage with `key`, on the MemoryStorage returned. */
  async function encryptedEndpoint(key: string) {
    const inner = new MemoryStorage();
    const record = secretEndpoint();
    await new EncryptedStorage(inner, { keys: [key] }).insertEndpoint(record);
    return { inner, record };
  }

  it('fails at start-up: notifier.start() rejects with ERR_ENCRYPTION_KEY naming the key id, never a key', async () => {
    const { inner } = await encryptedEndpoint(KEY);
    const wrong = new EncryptedStorage(inner, { keys: [OTHER_KEY] });
    const h = createNotifierHarness({ storage: wrong });
    const error = await expectCode(h.notifier.start(), 'ERR_ENCRYPTION_KEY');
    const right = new EncryptedStorage(new MemoryStorage(), { keys: [KEY] });
    expect(error.message).toContain(right.keyIds[0]);
    expect(error.message).toContain('not among the keys given');
    for (const text of [KEY, OTHER_KEY, SECRET]) expect(error.message).not.toContain(text);
  });

  it('without the key, no attempt is made or spent: the delivery waits, an error event says why; with it, it goes', async () => {
    const { inner } = await encryptedEndpoint(KEY);
    const clock = new FakeClock();
    const transport = new MockTransport([], { clock });
    const plain = createNotifierHarness({ clock, transport, storage: inner });
    await plain.notifier.start();
    for (let i = 0; i < 3; i++) await plain.notifier.publish('app.event', { i });
    await plain.settle();
    expect(transport.requests).toHaveLength(0);
    // Reported once, not once per delivery: the endpoint's deliveries are left alone for a lease.
    const errors = plain.of('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error).toMatchObject({ code: 'ERR_ENCRYPTION_KEY' });
    expect(String((errors[0]!.error as Error).message)).toMatch(
      /^Endpoint ep's authorization is encrypted at rest with key [0-9a-f]{8}/,
    );
    await expectCode(plain.notifier.ping('ep'), 'ERR_ENCRYPTION_KEY');
    expect(transport.requests).toHaveLength(0);
    const { deliveries } = await plain.notifier.listDeliveries();
    expect(deliveries.map((d) => [d.status, d.attempts])).toEqual([
      ['pending', 0],
      ['pending', 0],
      ['pending', 0],
    ]);
    // A lease later it is tried, and reported, again.
    await clock.advance('61s');
    expect(plain.of('error')).toHaveLength(2);
    expect(transport.requests).toHaveLength(0);
    await plain.notifier.stop();

    // The same storage opened with the key: the delivery goes once its lease has run out.
    const keyed = createNotifierHarness({
      clock,
      transport,
      storage: new EncryptedStorage(inner, { keys: [KEY] }),
    });
    await keyed.notifier.start();
    await clock.advance('2m');
    expect(transport.requests).toHaveLength(3);
    expect(() =>
      verifyWebhook({
        payload: transport.requests[0]!.body!,
        headers: transport.requests[0]!.headers,
        secret: SECRET,
        now: clock.date(),
      }),
    ).not.toThrow();
    await keyed.notifier.stop();
  });

  it('an HTTP job whose secrets cannot be decrypted fails its run with ERR_ENCRYPTION_KEY and sends nothing', async () => {
    const inner = new MemoryStorage();
    const keyed = createTestScheduler({ storage: new EncryptedStorage(inner, { keys: [KEY] }) });
    await keyed.scheduler.addJob({
      id: 'sync',
      schedule: { every: '1m' },
      target: {
        url: 'https://jobs.example.com/sync',
        headers: { authorization: JOB_AUTH },
        signingSecret: JOB_SECRET,
      },
    });
    const plain = createTestScheduler({ storage: inner, clock: keyed.clock });
    await plain.scheduler.start();
    await plain.clock.advance('1m');
    await plain.scheduler.stop();
    expect(plain.transport.requests).toHaveLength(0);
    const [failed] = plain.of('job.failed');
    expect(failed!.run.error).toMatchObject({ code: 'ERR_ENCRYPTION_KEY' });
    expect(failed!.run.error!.message).toContain("Job sync's header authorization is encrypted at rest");
  });

  it('a value copied from another record or altered does not decrypt, and is refused rather than sent', async () => {
    const inner = new MemoryStorage();
    const storage = new EncryptedStorage(inner, { keys: [KEY] });
    const base = (id: string, authorization: string): EndpointRecord =>
      endpoint(id, { authorization, secrets: [{ secret: SECRET, createdAt: new Date(0), expiresAt: null }] });
    await storage.insertEndpoint(base('a', 'Bearer for-a'));
    await storage.insertEndpoint(base('b', 'Bearer for-b'));
    const rawA = (await inner.getEndpoint('a'))!;
    const rawB = (await inner.getEndpoint('b'))!;
    // Someone with write access to the database moves a's authorization into b.
    await inner.updateEndpoint({ ...rawB, authorization: rawA.authorization });
    const moved = await storage.getEndpoint('b');
    expect(isSealed(moved!.authorization!)).toBe(true);
    expect(moved!.authorization).not.toBe('Bearer for-a');
    await expectCode(storage.migrate(), 'ERR_ENCRYPTION_KEY');
    // An altered value fails its authentication tag the same way.
    const altered =
      rawA.authorization!.slice(0, -4) + (rawA.authorization!.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await inner.updateEndpoint({ ...rawA, authorization: altered });
    expect(isSealed((await storage.getEndpoint('a'))!.authorization!)).toBe(true);
  });
});
