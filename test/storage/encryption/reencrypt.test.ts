import { describe, expect, it } from 'vitest';
import { EncryptedStorage } from '../../../src/storage/encryption/encrypted-storage.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { at, endpoint, fullJob } from '../../../src/testing/storage-suite/fixtures.js';
import { KEY, OTHER_KEY } from '../../helpers/encryption.js';

// reencrypt() rewrites each record under the newest key while other instances keep working on them.
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
