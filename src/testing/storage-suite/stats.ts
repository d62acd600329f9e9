import { describe, expect, it } from 'vitest';
import type { Storage, StorageStats } from '../../storage/types.js';
import type { SuiteContext } from './context.js';
import { at, delivery, endpoint, message, minimalJob, pad, run } from './fixtures.js';

type Stats = NonNullable<Storage['stats']>;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A finished (or queued) run of `jobId` scheduled at `offsetMs`. */
function runAt(
  id: string,
  jobId: string,
  offsetMs: number,
  status: 'succeeded' | 'failed' | 'queued' | 'missed',
) {
  return run(id, jobId, { scheduledAt: at(offsetMs), status, occurrenceKey: `k-${id}` });
}

/**
 * Jobs whose newest finished run failed (`failing`, `old-failure` and `queued-after`, one paused) or did not
 * (`recovered`, `never-ran`), their runs inserted finished.
 */
async function seedOutcomes(s: Storage): Promise<void> {
  for (const id of ['failing', 'recovered', 'old-failure', 'queued-after', 'never-ran']) {
    await s.insertJob(minimalJob(id));
  }
  await s.insertJob(minimalJob('paused-failing', { enabled: false }));
  await s.insertRun(runAt('r1', 'failing', -2 * HOUR, 'succeeded'));
  await s.insertRun(runAt('r2', 'failing', -HOUR, 'failed'));
  await s.insertRun(runAt('r3', 'recovered', -2 * HOUR, 'failed'));
  await s.insertRun(runAt('r4', 'recovered', -HOUR, 'succeeded'));
  await s.insertRun(runAt('r5', 'old-failure', -30 * DAY, 'failed'));
  await s.insertRun(runAt('r6', 'queued-after', -HOUR, 'failed'));
  await s.insertRun(runAt('r7', 'queued-after', -1, 'queued'));
  await s.insertRun(runAt('r8', 'paused-failing', -HOUR, 'failed'));
}

/**
 * `stats` and `listFailingJobs` are optional: their tests are reported as skipped for an adapter without them. The job filter of
 * `listDeliveries` is not optional and is tested here too, beside the other queries of operator pages.
 */
export function statsTests(ctx: SuiteContext): void {
  describe('stats and operator queries', () => {
    const statsOf = (skip: () => void): Stats => {
      const storage = ctx.storage;
      if (storage.stats === undefined) skip();
      return (input) => storage.stats!(input);
    };

    it('counts nothing in an empty storage, with every run status present', async ({ skip }) => {
      const stats = statsOf(skip);
      const zero = { queued: 0, running: 0, succeeded: 0, failed: 0, skipped: 0, missed: 0 };
      expect(await stats({ now: at(0) })).toEqual({
        jobs: { total: 0, active: 0, paused: 0, failing: 0 },
        runs: { lastHour: zero, lastDay: zero },
        endpoints: { total: 0, enabled: 0, failing: 0, disabled: { manual: 0, gone: 0, failing: 0 } },
        deliveries: { pending: 0, failed: 0, oldestPendingAt: null },
      } satisfies StorageStats);
    });

    it('counts jobs, and as failing the enabled ones whose newest finished run failed, however long ago', async ({
      skip,
    }) => {
      const stats = statsOf(skip);
      const s = ctx.storage;
      await seedOutcomes(s);
      expect((await stats({ now: at(0) })).jobs).toEqual({ total: 6, active: 5, paused: 1, failing: 3 });
    });

    it('lists the failing jobs in id order, paged, whatever their runs’ age', async ({ skip }) => {
      const s = ctx.storage;
      if (s.listFailingJobs === undefined) skip();
      await seedOutcomes(s);
      const ids = async (options?: { after?: string; limit?: number }) =>
        (await s.listFailingJobs!(options)).map((j) => j.id);
      expect(await ids()).toEqual(['failing', 'old-failure', 'queued-after']);
      expect(await ids({ limit: 2 })).toEqual(['failing', 'old-failure']);
      expect(await ids({ after: 'old-failure', limit: 2 })).toEqual(['queued-after']);
      expect(await s.listFailingJobs!({ after: 'queued-after' })).toEqual([]);
      expect((await s.listFailingJobs!())[0]).toEqual(minimalJob('failing'));
    });

    it('a job’s outcome follows its runs as they finish, out of order too, and outlives their retention', async ({
      skip,
    }) => {
      const s = ctx.storage;
      if (s.listFailingJobs === undefined) skip();
      const failing = async () => (await s.listFailingJobs!()).map((j) => j.id);
      const finish = async (id: string, offset: number, status: 'succeeded' | 'failed') => {
        const queued = runAt(id, 'j', offset, 'queued');
        await s.insertRun(queued);
        await s.updateRun({ ...queued, status: 'running', startedAt: at(offset) });
        await s.updateRun({ ...queued, status, startedAt: at(offset), finishedAt: at(offset + 10) });
      };
      await s.insertJob(minimalJob('j'));
      await finish('a', -3 * HOUR, 'failed');
      expect(await failing()).toEqual(['j']);
      await finish('b', -2 * HOUR, 'succeeded');
      expect(await failing()).toEqual([]);
      // An older run finishing late does not overrule the newer outcome; runs that did not run count for none.
      await finish('a-late', -4 * HOUR, 'failed');
      await s.insertRun(runAt('m', 'j', -HOUR, 'missed'));
      expect(await failing()).toEqual([]);
      await finish('c', -HOUR / 2, 'failed');
      expect(await failing()).toEqual(['j']);
      // Retention deleting every finished run, or the definition being replaced, leaves the outcome as it was.
      await s.pruneRuns({ jobId: 'j', keep: 0, statuses: ['succeeded', 'failed'] });
      expect(await s.listRuns({ jobId: 'j', statuses: ['succeeded', 'failed'] })).toEqual([]);
      await s.updateJob(minimalJob('j', { name: 'renamed' }));
      expect(await failing()).toEqual(['j']);
      if (s.stats) expect((await s.stats({ now: at(0) })).jobs.failing).toBe(1);
      // Paused, it is not listed; resumed, it is again. Deleted and added anew, it starts clean.
      await s.updateJob(minimalJob('j', { enabled: false }));
      expect(await failing()).toEqual([]);
      await s.updateJob(minimalJob('j'));
      expect(await failing()).toEqual(['j']);
      await s.deleteJob('j');
      await s.insertJob(minimalJob('j'));
      expect(await failing()).toEqual([]);
    });

    it('counts runs by status in (now - 1 h, now] and (now - 24 h, now]', async ({ skip }) => {
      const stats = statsOf(skip);
      const s = ctx.storage;
      await s.insertJob(minimalJob('j'));
      const runs: Array<[number, 'succeeded' | 'failed' | 'missed']> = [
        [0, 'succeeded'],
        [-HOUR + 1, 'failed'],
        [-HOUR, 'succeeded'], // the hour's edge: in the day only
        [-DAY + 1, 'missed'],
        [-DAY, 'failed'], // the day's edge: in neither
        [1, 'succeeded'], // after now: in neither
      ];
      for (const [i, [offset, status]] of runs.entries())
        await s.insertRun(runAt(`r${i}`, 'j', offset, status));
      const { runs: counted } = await stats({ now: at(0) });
      expect(counted.lastHour).toMatchObject({ succeeded: 1, failed: 1, missed: 0, queued: 0 });
      expect(counted.lastDay).toMatchObject({ succeeded: 2, failed: 1, missed: 1, queued: 0 });
    });

    it('counts endpoints by state and deliveries pending and failed, with the oldest pending', async ({
      skip,
    }) => {
      const stats = statsOf(skip);
      const s = ctx.storage;
      await s.insertEndpoint(endpoint('ok', { failingSince: null }));
      await s.insertEndpoint(endpoint('streak', { failingSince: at(-5) }));
      await s.insertEndpoint(
        endpoint('off', { enabled: false, disabledReason: 'manual', disabledAt: at(-1) }),
      );
      await s.insertEndpoint(
        endpoint('gone', { enabled: false, disabledReason: 'gone', disabledAt: at(-1) }),
      );
      await s.insertEndpoint(
        endpoint('dead', { enabled: false, disabledReason: 'failing', disabledAt: at(-1) }),
      );
      const deliveries = [
        delivery('d1', 'm1', 'ok', { createdAt: at(-30) }),
        delivery('d2', 'm2', 'ok', { createdAt: at(-20) }),
        delivery('d3', 'm3', 'off', { createdAt: at(-40) }),
        delivery('d4', 'm4', 'ok', { createdAt: at(-50), status: 'failed', nextAttemptAt: null }),
        delivery('d5', 'm5', 'ok', { createdAt: at(-60), status: 'succeeded', nextAttemptAt: null }),
      ];
      for (const d of deliveries) {
        await s.insertMessage({ message: message(d.messageId, { createdAt: d.createdAt }), deliveries: [d] });
      }
      const counted = await stats({ now: at(0) });
      expect(counted.endpoints).toEqual({
        total: 5,
        enabled: 2,
        failing: 1,
        disabled: { manual: 1, gone: 1, failing: 1 },
      });
      expect(counted.deliveries).toEqual({ pending: 3, failed: 1, oldestPendingAt: at(-40) });
    });

    it('latestRuns gives the newest run of each job that has one', async ({ skip }) => {
      const s = ctx.storage;
      if (s.latestRuns === undefined) skip();
      for (const id of ['a', 'b', 'none']) await s.insertJob(minimalJob(id));
      await s.insertRun(runAt('a-old', 'a', -2 * HOUR, 'succeeded'));
      await s.insertRun(runAt('a-new', 'a', -HOUR, 'failed'));
      await s.insertRun(runAt('b-1', 'b', -HOUR, 'succeeded'));
      await s.insertRun(runAt('b-2', 'b', -HOUR, 'queued')); // same instant: the larger id is newer
      const latest = await s.latestRuns!(['a', 'b', 'none', 'missing']);
      expect(latest.map((r) => [r.jobId, r.id]).sort()).toEqual([
        ['a', 'a-new'],
        ['b', 'b-2'],
      ]);
      expect(latest.find((r) => r.id === 'a-new')).toEqual(runAt('a-new', 'a', -HOUR, 'failed'));
      expect(await s.latestRuns!([])).toEqual([]);
    });

    it('lists the deliveries of one job, newest first, with the other filters and paging', async () => {
      const s = ctx.storage;
      await s.insertEndpoint(endpoint('ep'));
      await s.insertEndpoint(endpoint('ep2'));
      for (let i = 0; i < 6; i++) {
        const jobId = i % 2 === 0 ? 'job-a' : 'job-b';
        const m = message(`m${pad(i)}`, { jobId, createdAt: at(i * 1000) });
        await s.insertMessage({
          message: m,
          deliveries: [
            delivery(`d${pad(i)}-1`, m.id, 'ep', {
              createdAt: m.createdAt,
              status: i === 4 ? 'failed' : 'pending',
            }),
            delivery(`d${pad(i)}-2`, m.id, 'ep2', { createdAt: m.createdAt }),
          ],
        });
      }
      await s.insertMessage({
        message: message('m-app', { jobId: null, createdAt: at(9000) }),
        deliveries: [delivery('d-app', 'm-app', 'ep', { createdAt: at(9000) })],
      });
      const ids = async (options: Parameters<Storage['listDeliveries']>[0]) =>
        (await s.listDeliveries(options)).map((d) => d.id);
      expect(await ids({ jobId: 'job-a' })).toEqual([
        'd0004-2',
        'd0004-1',
        'd0002-2',
        'd0002-1',
        'd0000-2',
        'd0000-1',
      ]);
      expect(await ids({ jobId: 'job-a', endpointId: 'ep' })).toEqual(['d0004-1', 'd0002-1', 'd0000-1']);
      expect(await ids({ jobId: 'job-a', status: 'failed' })).toEqual(['d0004-1']);
      expect(await ids({ jobId: 'job-a', since: at(2000) })).toEqual([
        'd0004-2',
        'd0004-1',
        'd0002-2',
        'd0002-1',
      ]);
      expect(await ids({ jobId: 'job-a', until: at(4000) })).toEqual([
        'd0002-2',
        'd0002-1',
        'd0000-2',
        'd0000-1',
      ]);
      expect(await ids({ jobId: 'job-a', since: at(2000), until: at(4000), status: 'pending' })).toEqual([
        'd0002-2',
        'd0002-1',
      ]);
      expect(await ids({ jobId: 'job-a', limit: 3 })).toEqual(['d0004-2', 'd0004-1', 'd0002-2']);
      expect(await ids({ jobId: 'job-a', limit: 3, before: { createdAt: at(2000), id: 'd0002-2' } })).toEqual(
        ['d0002-1', 'd0000-2', 'd0000-1'],
      );
      expect(await ids({ jobId: 'job-a', topic: 'job.execution.failed', limit: 1 })).toEqual(['d0004-2']);
      expect(await ids({ jobId: 'nobody' })).toEqual([]);
    });
  });
}
