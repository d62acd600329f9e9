import { describe, expect, it } from 'vitest';
import type { ClaimRunRequestsOptions, RunRecord, Storage } from '../../../storage/types.js';
import { claimConcurrently, type SuiteContext } from '../context.js';
import { activeRun, at, fullJob, minimalJob, pad } from '../fixtures.js';

const LEASE = 30_000;

/** A run request as `scheduler.requestRun` stores it: queued, no instance, leased until it expires. */
export function runRequest(id: string, jobId: string, expiresAt: Date, overrides: Partial<RunRecord> = {}) {
  const base = {
    trigger: 'manual',
    status: 'queued',
    occurrenceKey: id,
    startedAt: null,
    attempts: 0,
  } as const;
  return activeRun(id, jobId, expiresAt, { ...base, instanceId: null, ...overrides });
}

type Claim = (options: ClaimRunRequestsOptions) => ReturnType<NonNullable<Storage['claimRunRequests']>>;

/**
 * `claimRunRequests` is optional (it lets any instance run a job on request): these tests are reported as
 * skipped for an adapter without it. A request is a queued run with no instance whose lease is its expiry.
 */
export function runRequestTests(ctx: SuiteContext): void {
  describe('run requests (claimRunRequests)', () => {
    const claimOf = (skip: () => void): Claim => {
      const storage: Storage = ctx.storage;
      if (storage.claimRunRequests === undefined) skip();
      return (options) => storage.claimRunRequests!(options);
    };
    const jobs = async () => {
      await ctx.storage.insertJob(fullJob('http')); // an HTTP job: any instance can run it
      await ctx.storage.insertJob(minimalJob('job-a', { target: { handler: 'a' } }));
      await ctx.storage.insertJob(minimalJob('job-b', { target: { handler: 'b', payload: { n: 1 } } }));
    };
    const options = (now: Date, instanceId: string, handlers: string[], limit = 10) => ({
      now,
      limit,
      instanceId,
      leaseMs: LEASE,
      handlers,
    });

    it('takes the requests of HTTP jobs and of the handlers given, oldest first, leased to the caller', async ({
      skip,
    }) => {
      const claim = claimOf(skip);
      await jobs();
      await ctx.storage.insertRun(runRequest('r-a', 'job-a', at(60_000), { scheduledAt: at(1) }));
      await ctx.storage.insertRun(runRequest('r-http', 'http', at(60_000), { scheduledAt: at(2) }));
      await ctx.storage.insertRun(runRequest('r-b', 'job-b', at(60_000), { scheduledAt: at(3) }));
      const first = await claim(options(at(10), 'with-a', ['a', 'c']));
      expect(first.expired).toEqual([]);
      expect(first.taken.map((r) => r.id)).toEqual(['r-a', 'r-http']);
      const leased = { instanceId: 'with-a', lockedUntil: at(10 + LEASE), status: 'queued' };
      for (const taken of first.taken) {
        expect(taken).toMatchObject(leased);
        expect(await ctx.storage.getRun(taken.id)).toEqual(taken);
      }
      expect(await ctx.storage.getRun('r-b')).toEqual(
        runRequest('r-b', 'job-b', at(60_000), { scheduledAt: at(3) }),
      );
      expect((await claim(options(at(11), 'with-a', ['a']))).taken).toEqual([]);
      const second = await claim(options(at(12), 'with-b', ['b']));
      expect(second.taken.map((r) => r.id)).toEqual(['r-b']);
      expect(await claim(options(at(13), 'with-all', ['a', 'b']))).toEqual({ taken: [], expired: [] });
    });

    it('hands back requests past their expiry as expired, whatever their handler, leased to the caller', async ({
      skip,
    }) => {
      const claim = claimOf(skip);
      await jobs();
      await ctx.storage.insertRun(runRequest('late', 'job-b', at(100), { scheduledAt: at(1) }));
      await ctx.storage.insertRun(runRequest('fresh', 'job-a', at(1_000), { scheduledAt: at(2) }));
      expect(await claim(options(at(99), 'x', []))).toEqual({ taken: [], expired: [] });
      const { taken, expired } = await claim(options(at(100), 'x', ['a']));
      expect(taken.map((r) => r.id)).toEqual(['fresh']);
      expect(expired.map((r) => r.id)).toEqual(['late']);
      expect(expired[0]).toMatchObject({ instanceId: 'x', lockedUntil: at(100 + LEASE), status: 'queued' });
      expect(await claim(options(at(101), 'y', ['a', 'b']))).toEqual({ taken: [], expired: [] });
    });

    it('counts taken and expired requests together against the limit', async ({ skip }) => {
      const claim = claimOf(skip);
      await jobs();
      for (let i = 0; i < 5; i++) {
        await ctx.storage.insertRun(runRequest(`old-${i}`, 'job-b', at(0), { scheduledAt: at(i) }));
        await ctx.storage.insertRun(runRequest(`new-${i}`, 'http', at(9_999), { scheduledAt: at(10 + i) }));
      }
      const { taken, expired } = await claim(options(at(50), 'x', [], 7));
      expect(expired.map((r) => r.id)).toEqual(['old-0', 'old-1', 'old-2', 'old-3', 'old-4']);
      expect(taken.map((r) => r.id)).toEqual(['new-0', 'new-1']);
    });

    it('leaves requests to claimExpiredRuns only once taken: an untaken one is no orphan, even past its expiry', async ({
      skip,
    }) => {
      const claim = claimOf(skip);
      await jobs();
      await ctx.storage.insertRun(runRequest('waiting', 'job-b', at(100)));
      await ctx.storage.insertRun(runRequest('taken', 'http', at(100), { scheduledAt: at(1) }));
      const orphans = (now: Date) =>
        ctx.storage.claimExpiredRuns({ now, limit: 10, instanceId: 'rescuer', leaseMs: LEASE });
      expect(await orphans(at(10))).toEqual([]);
      expect((await claim(options(at(10), 'taker', []))).taken.map((r) => r.id)).toEqual(['taken']);
      expect(await orphans(at(5_000))).toEqual([]); // the taker's lease holds; the waiting one is a request
      expect((await orphans(at(10 + LEASE + 1))).map((r) => r.id)).toEqual(['taken']);
      expect(await ctx.storage.getRun('waiting')).toEqual(runRequest('waiting', 'job-b', at(100)));
    });

    it('gives each request to exactly one of 10 concurrent claimers', async ({ skip }) => {
      const claim = claimOf(skip);
      await jobs();
      for (let i = 0; i < 60; i++) {
        await ctx.storage.insertRun(runRequest(`r-${pad(i)}`, 'http', at(60_000), { scheduledAt: at(i) }));
        await ctx.storage.insertRun(runRequest(`x-${pad(i)}`, 'job-a', at(5), { scheduledAt: at(i) }));
      }
      const { ids } = await claimConcurrently(10, async (instanceId) => {
        const { taken, expired } = await claim(options(at(10), instanceId, [], 4));
        return [...taken, ...expired];
      });
      expect(ids).toHaveLength(120);
      expect(new Set(ids).size).toBe(120);
    });

    it('keeps runs in flight out of it: only runs without an instance are requests', async ({ skip }) => {
      const claim = claimOf(skip);
      await jobs();
      await ctx.storage.insertRun(
        activeRun('mine', 'http', at(LEASE), { status: 'queued', occurrenceKey: 'm' }),
      );
      await ctx.storage.insertRun(activeRun('dead', 'http', at(0), { status: 'queued', occurrenceKey: 'd' }));
      expect(await claim(options(at(10), 'x', []))).toEqual({ taken: [], expired: [] });
    });
  });
}
