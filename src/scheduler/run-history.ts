import { CronhookError } from '../errors.js';
import type { Storage } from '../storage/types.js';
import { checkListOptions } from './list-options.js';
import { toPublicRun } from './run-record.js';
import type { Run } from './types.js';

/**
 * A page of a job's runs, newest first (`scheduler.listRuns`): `before` is the id of the last run of the
 * previous page, and must name a stored run (`ERR_RUN_NOT_FOUND`).
 */
export async function listJobRuns(
  storage: Storage,
  id: string,
  options: { limit?: number; before?: string; status?: Run['status'] },
): Promise<Run[]> {
  checkListOptions('listRuns', options);
  let before: { scheduledAt: Date; id: string } | undefined;
  if (options.before !== undefined) {
    const cursor = await storage.getRun(options.before);
    if (!cursor)
      throw new CronhookError('ERR_RUN_NOT_FOUND', `No run with id ${JSON.stringify(options.before)}`, {
        field: 'before',
      });
    before = { scheduledAt: cursor.scheduledAt, id: cursor.id };
  }
  const runs = await storage.listRuns({
    jobId: id,
    limit: options.limit ?? 50,
    ...(before ? { before } : {}),
    ...(options.status ? { statuses: [options.status] } : {}),
  });
  return runs.map(toPublicRun);
}
