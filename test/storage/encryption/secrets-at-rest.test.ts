import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../../src/errors.js';
import type { EndpointRecord } from '../../../src/notifier/types.js';
import { EncryptedStorage } from '../../../src/storage/encryption/encrypted-storage.js';
import { generateEncryptionKey } from '../../../src/storage/encryption/encryption-keys.js';
import { isSealed } from '../../../src/storage/encryption/secret-box.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import type { Storage } from '../../../src/storage/types.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { MockTransport } from '../../../src/testing/mock-transport.js';
import { testStorage } from '../../../src/testing/storage.js';
import { at, endpoint, fullJob } from '../../../src/testing/storage-suite/fixtures.js';
import { verifyWebhook } from '../../../src/verify/index.js';
import { createNotifierHarness } from '../../helpers/notifier.js';
import { createTestScheduler } from '../../helpers/scheduler.js';
import { withoutMethods } from '../../helpers/storage.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('encryption');

const KEY = generateEncryptionKey();
const OTHER_KEY = generateEncryptionKey();
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwZZZZZZZZZZZZ';
const ROTATED = 'whsec_bmV3IHNlY3JldCBmb3Igcm90YXRpb24gdGVzdHM=';
const AUTH = 'Bearer endpoint-token-1234';
const HEADER = 'header-value-5678';
const JOB_SECRET = 'whsec_am9iIHNpZ25pbmcgc2VjcmV0IGZvciB0ZXN0cw==';
const JOB_AUTH = 'Bearer job-token-9012';

async function expectCode(promise: Promise<unknown>, code: string): Promise<CronhookError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CronhookError);
  expect((error as CronhookError).code).toBe(code);
  return error as CronhookError;
}

function optionError(keys: unknown): CronhookError {
  try {
    new EncryptedStorage(new MemoryStorage(), { keys } as never);
  } catch (error) {
    expect(error).toBeInstanceOf(CronhookError);
    expect((error as CronhookError).code).toBe('ERR_INVALID_OPTION');
    return error as CronhookError;
  }
  throw new Error('expected the constructor to throw');
}

// The wrapper is a Storage itself: it keeps every promise of the contract (copies, codes, claims, retention).
testStorage(
  'EncryptedStorage over MemoryStorage',
  () => new EncryptedStorage(new MemoryStorage(), { keys: [KEY] }),
);

describe('EncryptedStorage options', () => {
  const hex = Buffer.from(KEY, 'base64').toString('hex');
  const base64url = Buffer.from(KEY, 'base64').toString('base64url');

  it('takes 32-byte keys as base64, base64url, hex or bytes, newest first', () => {
    for (const key of [KEY, base64url, hex, Buffer.from(KEY, 'base64'), new Uint8Array(32).fill(7)]) {
      expect(new EncryptedStorage(new MemoryStorage(), { keys: [key] }).keyIds).toHaveLength(1);
    }
    // The same key written three ways has one id; ids are 8 hex characters, not the key.
    const ids = [KEY, base64url, hex].map(
      (k) => new EncryptedStorage(new MemoryStorage(), { keys: [k] }).keyIds[0],
    );
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}$/);
    expect(new EncryptedStorage(new MemoryStorage(), { keys: [KEY, OTHER_KEY] }).keyIds).toHaveLength(2);
  });

  it.each([
    ['no keys', undefined, 'keys'],
    ['an empty list', [], 'keys'],
    ['a string instead of a list', 'one-key', 'keys'],
    ['17 keys', Array.from({ length: 17 }, () => generateEncryptionKey()), 'keys'],
    ['a 5-byte key', ['c2hvcnQ='], 'keys[0]'],
    ['44 characters that are not base64', [KEY, `${'x'.repeat(43)}!`], 'keys[1]'],
    ['16 bytes', [KEY, Buffer.alloc(16)], 'keys[1]'],
    ['a number', [KEY, 42], 'keys[1]'],
    ['the same key twice (as base64 and hex)', [KEY, hex], 'keys[1]'],
  ])('refuses %s, naming the field and never the value', (_case, keys, field) => {
    const error = optionError(keys);
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
    expect(error.message).not.toContain(KEY);
    expect(error.message).not.toContain(hex);
  });

  it('refuses something that is not a storage', () => {
    expect(() => new EncryptedStorage({} as Storage, { keys: [KEY] })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'storage' }),
    );
  });

  it("passes the adapter's optional capabilities through, and only those it has", () => {
    const memory = new EncryptedStorage(new MemoryStorage(), { keys: [KEY] });
    expect(memory.ready).toBeTypeOf('function'); // the adapter's ready() (or migrate()), then the key check
    expect(memory.pruneDeliveries).toBeTypeOf('function');
    expect(memory.subscribe).toBeTypeOf('function'); // MemoryStorage tells of run requests
    const bare = new EncryptedStorage(withoutMethods(new MemoryStorage(), 'subscribe', 'claimRunRequests'), {
      keys: [KEY],
    });
    expect(bare.subscribe).toBeUndefined();
    expect(bare.claimRunRequests).toBeUndefined();
    expect(memory.shared).toBe(false);
    // peekJob hands out the adapter's own records: it would hand out ciphertext, so it is left out.
    expect((memory as Storage).peekJob).toBeUndefined();
    const sqlite = new EncryptedStorage(new SqliteStorage({ path: ':memory:' }), { keys: [KEY] });
    expect(sqlite.subscribe).toBeTypeOf('function');
    expect(sqlite.close).toBeTypeOf('function');
  });
});

describe('EncryptedStorage ciphertexts', () => {
  it('writing a record back unchanged keeps its ciphertexts (no new encryption, no cache miss on read)', async () => {
    const inner = new MemoryStorage();
    const storage = new EncryptedStorage(inner, { keys: [KEY] });
    await storage.insertEndpoint(endpoint('ep'));
    const first = await inner.getEndpoint('ep');
    await storage.updateEndpoint((await storage.getEndpoint('ep'))!);
    expect(await inner.getEndpoint('ep')).toEqual(first);
    // Another storage (another process) encrypts the same value anew: a fresh IV each time.
    await new EncryptedStorage(inner, { keys: [KEY] }).updateEndpoint(endpoint('ep'));
    expect((await inner.getEndpoint('ep'))!.authorization).not.toBe(first!.authorization);
  });
});

describe('re-encryption beside running instances', () => {
  it('a change made to an endpoint between its read and its rewrite is kept, not undone', async () => {
    const inner = new MemoryStorage();
    await new EncryptedStorage(inner, { keys: [OTHER_KEY] }).insertEndpoint(endpoint('ep'));
    // Another instance disables the endpoint just after reencrypt() read it (its attempt found it gone).
    const getEndpoint = inner.getEndpoint.bind(inner);
    let reads = 0;
    inner.getEndpoint = async (id) => {
      const read = await getEndpoint(id);
      if (++reads === 1) {
        await inner.updateEndpoint({
          ...read!,
          enabled: false,
          disabledReason: 'gone',
          updatedAt: new Date(9e12),
        });
      }
      return read;
    };
    const storage = new EncryptedStorage(inner, { keys: [KEY, OTHER_KEY] });
    expect(await storage.reencrypt()).toEqual({ endpoints: 1, jobs: 0, undecryptable: 0 });
    inner.getEndpoint = getEndpoint;
    expect(await new EncryptedStorage(inner, { keys: [KEY] }).getEndpoint('ep')).toEqual(
      endpoint('ep', { enabled: false, disabledReason: 'gone', updatedAt: new Date(9e12) }),
    );
  });

  it('a claim and advance of a job between its read and its rewrite are kept, not undone', async () => {
    const inner = new MemoryStorage();
    await new EncryptedStorage(inner, { keys: [OTHER_KEY] }).insertJob(fullJob('j'));
    // A running scheduler claims the job's due occurrence and advances it just after reencrypt() read it:
    // its next run, run count and lease change, its updatedAt does not.
    const getJob = inner.getJob.bind(inner);
    let reads = 0;
    inner.getJob = async (id) => {
      const read = await getJob(id);
      if (++reads === 1) {
        await inner.claimDueJobs({ now: at(0), limit: 1, instanceId: 'a', leaseMs: 30_000 });
        await inner.advanceJob({
          jobId: 'j',
          instanceId: 'a',
          nextRunAt: at(300_000),
          runCount: 43,
          runs: [],
        });
      }
      return read;
    };
    const storage = new EncryptedStorage(inner, { keys: [KEY, OTHER_KEY] });
    expect(await storage.reencrypt()).toEqual({ endpoints: 0, jobs: 1, undecryptable: 0 });
    inner.getJob = getJob;
    expect(await new EncryptedStorage(inner, { keys: [KEY] }).getJob('j')).toEqual(
      fullJob('j', { nextRunAt: at(300_000), runCount: 43 }),
    );
  });
});

describe('encryption at rest with SQLite', () => {
  it('the file holds no secret, and deliveries and HTTP jobs are signed and sent as without encryption', async () => {
    const path = temp.file('cronhook.db');
    const clock = new FakeClock();
    const transport = new MockTransport([], { clock });
    const storage = new EncryptedStorage(new SqliteStorage({ path }), { keys: [KEY] });
    await storage.migrate();
    const h = createNotifierHarness({ clock, transport, storage, allowPrivateNetworks: true });
    const { endpoint: ep } = await h.notifier.addEndpoint({
      url: 'https://hooks.example.com/in',
      authorization: AUTH,
      headers: { 'x-api-key': HEADER },
      secret: SECRET,
    });
    await h.notifier.rotateSecret(ep.id, { secret: ROTATED, graceMs: 3_600_000 });
    const s = createTestScheduler({ clock, transport, storage });
    await s.scheduler.addJob({
      id: 'sync',
      schedule: { every: '1m' },
      target: {
        body: { sync: true },
        url: 'https://jobs.example.com/sync',
        headers: { authorization: JOB_AUTH },
        signingSecret: JOB_SECRET,
      },
    });
    await h.notifier.start();
    await s.scheduler.start();
    await h.notifier.publish('app.event', { hello: 'world' });
    await clock.advance('1m');
    await s.scheduler.stop();
    await h.notifier.stop();

    const delivered = transport.requestsTo('https://hooks.example.com');
    expect(delivered.length).toBeGreaterThanOrEqual(1);
    const request = delivered[0]!;
    expect(request.headers.authorization).toBe(AUTH);
    expect(request.headers['x-api-key']).toBe(HEADER);
    // Signed with both secrets during the rotation's grace: each verifies alone.
    for (const secret of [SECRET, ROTATED]) {
      expect(() =>
        verifyWebhook({ payload: request.body!, headers: request.headers, secret, now: clock.date() }),
      ).not.toThrow();
    }
    const call = transport.requestsTo('https://jobs.example.com')[0]!;
    expect(call.headers.authorization).toBe(JOB_AUTH);
    expect(() =>
      verifyWebhook({
        payload: call.body ?? '',
        headers: call.headers,
        secret: JOB_SECRET,
        now: clock.date(),
      }),
    ).not.toThrow();

    await storage.close!();
    const bytes = ['', '-wal'].map((suffix) => {
      try {
        return readFileSync(`${path}${suffix}`).toString('latin1');
      } catch {
        return '';
      }
    });
    const onDisk = bytes.join('');
    expect(onDisk).toContain('hooks.example.com'); // the file is read: what is not secret is there
    for (const secret of [SECRET, ROTATED, AUTH, HEADER, JOB_SECRET, JOB_AUTH]) {
      expect(onDisk).not.toContain(secret);
      expect(onDisk).not.toContain(Buffer.from(secret).toString('base64').slice(0, 16));
    }
  });
});

describe('a missing or wrong key', () => {
  /** An endpoint stored through EncryptedStorage with `key`, on the MemoryStorage returned. */
  async function encryptedEndpoint(key: string) {
    const inner = new MemoryStorage();
    const record = endpoint('ep', {
      url: 'https://hooks.example.com/in',
      topics: ['*'],
      jobIds: null,
      match: null,
      failingSince: null,
      secrets: [{ secret: SECRET, createdAt: new Date(0), expiresAt: null }],
    });
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
