import { beforeEach, describe, expect, it } from 'vitest';
import type { EndpointRecord } from '../../notifier/types.js';
import { EncryptedStorage } from '../../storage/encryption/encrypted-storage.js';
import { generateEncryptionKey } from '../../storage/encryption/encryption-keys.js';
import { isSealed, sealedKeyId } from '../../storage/encryption/secret-box.js';
import type { JobRecord } from '../../storage/types.js';
import { expectCode, type SuiteContext } from './context.js';
import { at, endpoint, fullJob, pad } from './fixtures.js';

/** Every secret value of the fixtures, so that none may appear in what the adapter holds. */
function secretsOf(e: EndpointRecord, j: JobRecord): string[] {
  const target = j.target as { headers?: Record<string, string>; signingSecret?: string };
  return [
    ...e.secrets.map((s) => s.secret),
    e.authorization!,
    ...Object.values(e.headers),
    target.signingSecret!,
    ...Object.values(target.headers ?? {}),
  ];
}

/** The secret values of a record as the adapter holds them. */
function storedValues(e: EndpointRecord | null, j: JobRecord | null): string[] {
  const target = j?.target as { headers?: Record<string, string>; signingSecret?: string } | undefined;
  return [
    ...(e?.secrets.map((s) => s.secret) ?? []),
    ...(e?.authorization ? [e.authorization] : []),
    ...Object.values(e?.headers ?? {}),
    ...(target?.signingSecret ? [target.signingSecret] : []),
    ...Object.values(target?.headers ?? {}),
  ];
}

/**
 * Encryption at rest sits above the adapter (`EncryptedStorage`), so the adapter stores ciphertext where
 * secrets were: longer strings, in the same fields, which it must give back exactly (header names as they
 * are, since each value is bound to its record and field).
 */
export function encryptedSecretTests(ctx: SuiteContext): void {
  describe('encrypted secrets (EncryptedStorage over this adapter)', () => {
    const newer = generateEncryptionKey();
    const older = generateEncryptionKey();
    // An EncryptedStorage under test already encrypts: a second one over it proves nothing of the adapter.
    beforeEach(({ skip }) => {
      if (ctx.storage instanceof EncryptedStorage) skip();
    });

    it('holds only ciphertext of the secrets written through EncryptedStorage, and gives them back', async () => {
      const encrypted = new EncryptedStorage(ctx.storage, { keys: [newer] });
      await encrypted.migrate();
      const e = endpoint('ep');
      const j = fullJob('job');
      await encrypted.insertEndpoint(e);
      await encrypted.insertJob(j);

      const raw = [await ctx.storage.getEndpoint('ep'), await ctx.storage.getJob('job')] as const;
      const text = JSON.stringify(raw);
      for (const secret of secretsOf(e, j)) expect(text).not.toContain(secret);
      const stored = storedValues(...raw);
      expect(stored).toHaveLength(secretsOf(e, j).length);
      for (const value of stored) expect(isSealed(value)).toBe(true);
      // Everything else is stored as it was, names of headers included.
      expect({ ...raw[0], secrets: [], authorization: null, headers: {} }).toEqual({
        ...e,
        secrets: [],
        authorization: null,
        headers: {},
      });
      expect(Object.keys(raw[0]!.headers)).toEqual(Object.keys(e.headers));

      expect(await encrypted.getEndpoint('ep')).toEqual(e);
      expect(await encrypted.getJob('job')).toEqual(j);
      expect(await encrypted.listEndpoints()).toEqual([e]);
      expect(await encrypted.listJobs()).toEqual([j]);
      const claimed = await encrypted.claimDueJobs({ now: at(0), limit: 5, instanceId: 'a', leaseMs: 1_000 });
      expect(claimed.map((c) => c.target)).toEqual([j.target]);
    });

    it('updates keep ciphertext: a rotation keeps the old secret signing, encrypted too', async () => {
      const encrypted = new EncryptedStorage(ctx.storage, { keys: [newer] });
      await encrypted.insertEndpoint(endpoint('ep'));
      const rotated = endpoint('ep', {
        secrets: [
          ...endpoint('ep').secrets,
          { secret: 'whsec_dGhpcmQgc2VjcmV0IGFmdGVyIGEgcm90YXRpb24=', createdAt: at(9), expiresAt: null },
        ],
        authorization: 'Bearer rotated-token',
        updatedAt: at(9),
      });
      await encrypted.updateEndpoint(rotated);
      const raw = await ctx.storage.getEndpoint('ep');
      expect(JSON.stringify(raw)).not.toContain('rotated-token');
      expect(raw!.secrets.every((s) => isSealed(s.secret))).toBe(true);
      expect(await encrypted.getEndpoint('ep')).toEqual(rotated);
    });

    it('reads plaintext written before encryption, and re-encrypts every row under the newest key', async () => {
      // Plaintext rows (encryption not yet on), then rows under the older key, then the newer key first.
      for (let i = 0; i < 3; i++) await ctx.storage.insertEndpoint(endpoint(`ep-${pad(i)}`));
      await ctx.storage.insertJob(fullJob('plain-job'));
      const before = new EncryptedStorage(ctx.storage, { keys: [older] });
      for (let i = 3; i < 6; i++) await before.insertEndpoint(endpoint(`ep-${pad(i)}`));
      await before.insertJob(fullJob('old-key-job'));

      const rotating = new EncryptedStorage(ctx.storage, { keys: [newer, older] });
      await rotating.migrate();
      expect(await rotating.getEndpoint('ep-0000')).toEqual(endpoint('ep-0000'));
      expect(await rotating.getEndpoint('ep-0004')).toEqual(endpoint('ep-0004'));
      expect(await rotating.reencrypt()).toEqual({ endpoints: 6, jobs: 2, undecryptable: 0 });
      expect(await rotating.reencrypt()).toEqual({ endpoints: 0, jobs: 0, undecryptable: 0 });

      const newest = rotating.keyIds[0];
      const endpoints = await ctx.storage.listEndpoints();
      const jobs = await ctx.storage.listJobs();
      for (const value of [
        ...endpoints.flatMap((e) => storedValues(e, null)),
        ...jobs.flatMap((j) => storedValues(null, j)),
      ]) {
        expect(sealedKeyId(value)).toBe(newest);
      }
      // The older key can go now.
      const after = new EncryptedStorage(ctx.storage, { keys: [newer] });
      await after.migrate();
      for (let i = 0; i < 6; i++) {
        expect(await after.getEndpoint(`ep-${pad(i)}`)).toEqual(endpoint(`ep-${pad(i)}`));
      }
      expect(await after.getJob('plain-job')).toEqual(fullJob('plain-job'));
      expect(await after.getJob('old-key-job')).toEqual(fullJob('old-key-job'));
    });

    it('a wrong or missing key fails at start-up with ERR_ENCRYPTION_KEY, and re-encryption leaves such rows alone', async () => {
      await new EncryptedStorage(ctx.storage, { keys: [older] }).insertEndpoint(endpoint('ep'));
      const wrong = new EncryptedStorage(ctx.storage, { keys: [newer] });
      await expectCode(wrong.migrate(), 'ERR_ENCRYPTION_KEY');
      expect(await wrong.reencrypt()).toEqual({ endpoints: 0, jobs: 0, undecryptable: 1 });
      // Nothing was lost: the right key still reads it.
      const right = new EncryptedStorage(ctx.storage, { keys: [older] });
      expect(await right.getEndpoint('ep')).toEqual(endpoint('ep'));
    });
  });
}
