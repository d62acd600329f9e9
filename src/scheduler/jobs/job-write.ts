import { CronhookError } from '../../errors.js';
import { CHANGE_ATTEMPTS, concurrentChange } from '../../storage/concurrent-change.js';
import type { JobRecord, Storage } from '../../storage/types.js';

/** The `ERR_JOB_NOT_FOUND` error for `id`. */
export function jobNotFound(id: string): CronhookError {
  return new CronhookError('ERR_JOB_NOT_FOUND', `No job with id ${JSON.stringify(id)}`, { field: 'id' });
}

/**
 * Writes `next`, the change of `read`, only while the stored job is still `read`: its `updatedAt` and its
 * schedule state (next run, run count, lease), which a claim or an advance changes without moving
 * `updatedAt`. False when it changed meanwhile: read it again and apply the change to what is stored now.
 * A storage without `replaceJob` (a custom adapter) gets `updateJob`: the last writer wins there, and a change
 * read before another instance's claim may write back the schedule state as read.
 */
export async function writeIfUnchanged(storage: Storage, next: JobRecord, read: JobRecord): Promise<boolean> {
  if (storage.replaceJob === undefined) {
    await storage.updateJob(next);
    return true;
  }
  return storage.replaceJob(next, read.updatedAt, read);
}

/**
 * Applies `change` to the stored job `id` and writes the result with {@link writeIfUnchanged}; when another
 * write came between, reads the job again and applies `change` to it, up to {@link CHANGE_ATTEMPTS} times, then
 * throws `ERR_CONCURRENT_CHANGE`. Resolves with what was written. `change` (which may read storage) validates what it needs to and
 * throws to write nothing; the job gone meanwhile is `ERR_JOB_NOT_FOUND`.
 */
export async function changeStoredJob(
  storage: Storage,
  id: string,
  operation: string,
  change: (stored: JobRecord) => JobRecord | Promise<JobRecord>,
): Promise<JobRecord> {
  for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
    const stored = await storage.getJob(id);
    if (!stored) throw jobNotFound(id);
    const next = await change(stored);
    if (await writeIfUnchanged(storage, next, stored)) return next;
  }
  throw concurrentChange(operation, 'job');
}
