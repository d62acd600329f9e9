import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../../src/errors.js';
import { EncryptedStorage } from '../../../src/storage/encryption/encrypted-storage.js';
import { generateEncryptionKey } from '../../../src/storage/encryption/encryption-keys.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import type { Storage } from '../../../src/storage/types.js';
import { testStorage } from '../../../src/testing/storage.js';
import { endpoint } from '../../../src/testing/storage-suite/fixtures.js';
import { KEY, OTHER_KEY } from '../../helpers/encryption.js';
import { withoutMethods } from '../../helpers/storage.js';

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
    expect(memory.completeAttemptNow).toBeTypeOf('function'); // MemoryStorage stores outcomes in process
    expect(memory.insertRunNow).toBeTypeOf('function');
    // peekJob hands out the adapter's own records: it would hand out ciphertext, so it is left out.
    expect((memory as Storage).peekJob).toBeUndefined();
    const sqlite = new EncryptedStorage(new SqliteStorage({ path: ':memory:' }), { keys: [KEY] });
    expect(sqlite.subscribe).toBeTypeOf('function');
    expect(sqlite.close).toBeTypeOf('function');
    expect(sqlite.completeAttemptNow).toBeUndefined();
  });
});

describe('EncryptedStorage getDeliveryEndpoint', () => {
  it("opens what the storage underneath's getDeliveryEndpoint returns, and is there only when it is", async () => {
    const inner = new MemoryStorage();
    const reads: string[] = [];
    const withIt: Storage = Object.assign(inner, {
      getDeliveryEndpoint: (id: string) => {
        reads.push(id);
        return inner.getEndpoint(id);
      },
    });
    const storage = new EncryptedStorage(withIt, { keys: [KEY] });
    await storage.insertEndpoint(endpoint('ep'));
    const sealed = (await inner.getEndpoint('ep'))!;
    expect(sealed.secrets[0]!.secret).not.toBe(endpoint('ep').secrets[0]!.secret);
    expect(sealed.authorization).not.toBe(endpoint('ep').authorization);
    expect(await storage.getDeliveryEndpoint!('ep')).toEqual(endpoint('ep'));
    expect(await storage.getDeliveryEndpoint!('missing')).toBeNull();
    expect(reads).toEqual(['ep', 'missing']);
    expect(new EncryptedStorage(new MemoryStorage(), { keys: [KEY] }).getDeliveryEndpoint).toBeUndefined();
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
