import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../notifier/types.js';
import type { CompleteAttemptInput } from '../../storage/types.js';
import type { SuiteContext } from './context.js';
import { activeRun, at, attempt, delivery, endpoint, fullJob, message, pad, run } from './fixtures.js';

/** Settles every promise; returns the rejection's code (or 'ok') of each, in order. */
async function outcomes(promises: Promise<unknown>[]): Promise<string[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) =>
    s.status === 'fulfilled' ? 'ok' : String((s.reason as { code?: unknown }).code ?? s.reason),
  );
}

/**
 * Writes made at the same time, as the notifier and scheduler make them under load (attempts finishing
 * together, messages published together). An adapter may commit them together (group commit); each call
 * must still succeed or fail on its own, and resolve only with its data stored.
 */
export function concurrentWriteTests(ctx: SuiteContext): void {
  describe('writes made at the same time', () => {
    async function claimAll(count: number): Promise<DeliveryRecord[]> {
      await ctx.storage.insertEndpoint(endpoint('ep'));
      await ctx.storage.insertEndpoint(endpoint('ep-2'));
      for (let i = 0; i < count; i++) {
        const endpointId = i % 2 === 0 ? 'ep' : 'ep-2';
        await ctx.storage.insertMessage({
          message: message(`m-${pad(i)}`),
          deliveries: [delivery(`d-${pad(i)}`, `m-${pad(i)}`, endpointId, { nextAttemptAt: at(i) })],
        });
      }
      return ctx.storage.claimDeliveries({ now: at(count), limit: count, instanceId: 'i', leaseMs: 30_000 });
    }

    function completion(d: DeliveryRecord, n: number, overrides: Partial<CompleteAttemptInput> = {}) {
      const a = attempt(`a-${d.id}`, d.id, { statusCode: 200, error: null, startedAt: at(100 + n) });
      return {
        delivery: {
          ...d,
          status: 'succeeded' as const,
          attempts: 1,
          nextAttemptAt: null,
          updatedAt: at(200),
        },
        attempt: a,
        ...overrides,
      };
    }

    it('completeAttempt calls made at once are each stored; an unknown delivery fails alone', async () => {
      const claimed = await claimAll(30);
      expect(claimed).toHaveLength(30);
      const inputs: CompleteAttemptInput[] = claimed.map((d, n) => completion(d, n));
      const ghost = delivery('d-ghost', 'm-0000', 'ep');
      inputs.splice(7, 0, completion(ghost, 99));
      const results = await outcomes(inputs.map((input) => ctx.storage.completeAttempt(input)));
      expect(results).toEqual(inputs.map((input) => (input === inputs[7] ? 'ERR_DELIVERY_NOT_FOUND' : 'ok')));
      for (const input of inputs) {
        if (input === inputs[7]) continue;
        expect(await ctx.storage.getDelivery(input.delivery.id)).toEqual({
          ...input.delivery,
          lockedBy: null,
          lockedUntil: null,
        });
        expect(await ctx.storage.listAttempts(input.delivery.id)).toEqual([input.attempt]);
      }
      expect(await ctx.storage.getDelivery('d-ghost')).toBeNull();
      expect(await ctx.storage.listAttempts('d-ghost')).toEqual([]);
      expect(await ctx.storage.nextDeliveryAt()).toBeNull();
    });

    it('endpoint patches of attempts completed at once all apply, field by field', async () => {
      const [first, second, third] = await claimAll(6);
      await Promise.all([
        ctx.storage.completeAttempt(
          completion(first!, 1, { endpoint: { id: 'ep', failingSince: at(17), updatedAt: at(300) } }),
        ),
        ctx.storage.completeAttempt(completion(second!, 2)),
        ctx.storage.completeAttempt(
          completion(third!, 3, {
            endpoint: { id: 'ep', enabled: false, disabledReason: 'failing', disabledAt: at(301) },
          }),
        ),
        // The same delivery twice at once (only after a lost lease): both attempts are logged.
        ctx.storage.completeAttempt(
          completion(third!, 4, { delivery: { ...third!, attempts: 9 }, attempt: attempt('a-x', third!.id) }),
        ),
      ]);
      expect(first!.endpointId).toBe('ep');
      expect(third!.endpointId).toBe('ep');
      expect(await ctx.storage.getEndpoint('ep')).toEqual(
        endpoint('ep', {
          failingSince: at(17),
          updatedAt: at(300),
          enabled: false,
          disabledReason: 'failing',
          disabledAt: at(301),
        }),
      );
      expect(await ctx.storage.getEndpoint('ep-2')).toEqual(endpoint('ep-2'));
      expect(await ctx.storage.listAttempts(first!.id)).toHaveLength(1);
      expect(await ctx.storage.listAttempts(second!.id)).toHaveLength(1);
      const thirdAttempts = await ctx.storage.listAttempts(third!.id);
      expect(thirdAttempts.map((a) => a.id).sort()).toEqual([`a-${third!.id}`, 'a-x']);
      expect([1, 9]).toContain((await ctx.storage.getDelivery(third!.id))?.attempts);
    });

    it('insertMessage calls made at once are each stored; one clashing with a stored delivery fails alone', async () => {
      await ctx.storage.insertEndpoint(endpoint('ep'));
      await ctx.storage.insertMessage({
        message: message('m-old'),
        deliveries: [delivery('d-taken', 'm-old', 'ep')],
      });
      const inputs = Array.from({ length: 20 }, (_, i) => ({
        message: message(`m-${pad(i)}`, { createdAt: at(i) }),
        deliveries: [
          delivery(`d-${pad(i)}-a`, `m-${pad(i)}`, 'ep', { createdAt: at(i) }),
          delivery(i === 11 ? 'd-taken' : `d-${pad(i)}-b`, `m-${pad(i)}`, 'ep', { createdAt: at(i) }),
        ],
      }));
      const results = await outcomes(inputs.map((input) => ctx.storage.insertMessage(input)));
      expect(results.filter((r) => r === 'ok')).toHaveLength(19);
      expect(results[11]).not.toBe('ok');
      for (const [i, input] of inputs.entries()) {
        if (i === 11) {
          expect(await ctx.storage.getMessage(input.message.id)).toBeNull();
          expect(await ctx.storage.getDelivery(`d-${pad(i)}-a`)).toBeNull();
          continue;
        }
        expect(await ctx.storage.getMessage(input.message.id)).toEqual(input.message);
        for (const d of input.deliveries) expect(await ctx.storage.getDelivery(d.id)).toEqual(d);
      }
      expect(await ctx.storage.getDelivery('d-taken')).toEqual(delivery('d-taken', 'm-old', 'ep'));
    });

    it('claims made at once with completions and new messages hand out each delivery once', async () => {
      const claimed = await claimAll(10);
      const claims = Array.from({ length: 4 }, (_, i) =>
        ctx.storage.claimDeliveries({ now: at(1_000), limit: 5, instanceId: `c-${i}`, leaseMs: 30_000 }),
      );
      const writes = [
        ...claimed.map((d, n) =>
          ctx.storage.completeAttempt({
            ...completion(d, n),
            delivery: { ...d, attempts: 1, nextAttemptAt: at(500), updatedAt: at(200) },
          }),
        ),
        ...Array.from({ length: 5 }, (_, i) =>
          ctx.storage.insertMessage({
            message: message(`m-new-${i}`),
            deliveries: [delivery(`d-new-${i}`, `m-new-${i}`, 'ep', { nextAttemptAt: at(600) })],
          }),
        ),
      ];
      const [claimedAgain] = await Promise.all([Promise.all(claims), Promise.all(writes)]);
      const ids = claimedAgain.flat().map((d) => d.id);
      expect(new Set(ids).size).toBe(ids.length);
      // Whatever a claim got was due and unleased when it ran; every delivery is accounted for.
      const rest = await ctx.storage.claimDeliveries({
        now: at(1_000),
        limit: 100,
        instanceId: 'late',
        leaseMs: 30_000,
      });
      expect([...ids, ...rest.map((d) => d.id)].sort()).toEqual(
        [...claimed.map((d) => d.id), ...Array.from({ length: 5 }, (_, i) => `d-new-${i}`)].sort(),
      );
    });

    it('insertRun and updateRun calls made at once succeed or fail each on its own', async () => {
      await ctx.storage.insertJob(fullJob('job-a'));
      const runs = Array.from({ length: 12 }, (_, i) =>
        activeRun(`r-${pad(i)}`, 'job-a', at(60_000), { scheduledAt: at(i * 1_000) }),
      );
      const duplicate = activeRun('r-dup', 'job-a', at(60_000), { scheduledAt: at(3_000) });
      const inserted = await Promise.all([...runs, duplicate].map((r) => ctx.storage.insertRun(r)));
      // r-0003 and r-dup are the same occurrence: whichever came first is stored, the other refused.
      expect(inserted.filter((x) => x)).toHaveLength(12);
      expect(inserted[3]).not.toBe(inserted[12]);
      if (!inserted[3]) {
        expect(await ctx.storage.getRun('r-0003')).toBeNull();
        runs.splice(3, 1, duplicate);
      } else expect(await ctx.storage.getRun('r-dup')).toBeNull();
      const updates = runs.map((r) => ({ ...r, status: 'failed' as const, attempts: 5 }));
      const results = await outcomes([
        ...updates.map((r) => ctx.storage.updateRun(r)),
        ctx.storage.updateRun(run('r-ghost', 'job-a')),
      ]);
      expect(results).toEqual([...updates.map(() => 'ok'), 'ERR_RUN_NOT_FOUND']);
      for (const r of updates) expect(await ctx.storage.getRun(r.id)).toEqual(r);
      expect(await ctx.storage.getRun('r-ghost')).toBeNull();
    });

    it('pruneRuns calls made at once prune each job; the same job twice ends at the smaller keep', async () => {
      for (const jobId of ['job-a', 'job-b']) {
        await ctx.storage.insertJob(fullJob(jobId));
        for (let i = 0; i < 5; i++) {
          await ctx.storage.insertRun(run(`${jobId}-r${i}`, jobId, { scheduledAt: at(i * 1_000) }));
        }
        await ctx.storage.insertRun(
          run(`${jobId}-active`, jobId, {
            status: 'running',
            scheduledAt: at(-1_000),
            lockedUntil: at(60_000),
          }),
        );
      }
      const [a2, b0, a1] = await Promise.all([
        ctx.storage.pruneRuns({ jobId: 'job-a', keep: 2 }),
        ctx.storage.pruneRuns({ jobId: 'job-b', keep: 0 }),
        ctx.storage.pruneRuns({ jobId: 'job-a', keep: 1 }),
      ]);
      expect(a2! + a1!).toBe(4);
      expect(b0).toBe(5);
      const left = async (jobId: string) => (await ctx.storage.listRuns({ jobId })).map((r) => r.id).sort();
      expect(await left('job-a')).toEqual(['job-a-active', 'job-a-r4']);
      expect(await left('job-b')).toEqual(['job-b-active']);
    });

    it('advanceJob calls made at once each advance their job; one whose lease is lost fails alone', async () => {
      const ids = ['job-0', 'job-1', 'job-2', 'job-3'];
      for (const id of ids) await ctx.storage.insertJob(fullJob(id, { nextRunAt: at(0), runCount: 0 }));
      const claimed = await ctx.storage.claimDueJobs({
        now: at(0),
        limit: 10,
        instanceId: 'i',
        leaseMs: 30_000,
      });
      expect(claimed.map((j) => j.id).sort()).toEqual(ids);
      // job-1 already has its occurrence: advancing inserts the other run only.
      await ctx.storage.insertRun(run('r-1-old', 'job-1', { scheduledAt: at(0), occurrenceKey: 'k-0' }));
      const inputs = ids.map((jobId, n) => ({
        jobId,
        instanceId: jobId === 'job-2' ? 'someone-else' : 'i',
        nextRunAt: at(60_000),
        runCount: n + 1,
        runs: [
          run(`r-${n}-a`, jobId, { scheduledAt: at(0), occurrenceKey: 'k-0' }),
          run(`r-${n}-b`, jobId, { scheduledAt: at(1), occurrenceKey: 'k-1' }),
        ],
      }));
      const settled = await Promise.allSettled(inputs.map((input) => ctx.storage.advanceJob(input)));
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_LEASE_LOST' });
      const returned = settled.map((s) => (s.status === 'fulfilled' ? s.value.map((r) => r.id) : null));
      expect(returned).toEqual([['r-0-a', 'r-0-b'], ['r-1-b'], null, ['r-3-a', 'r-3-b']]);
      const fulfilled = settled[0] as PromiseFulfilledResult<unknown[]>;
      expect(fulfilled.value).toEqual(inputs[0]!.runs);
      for (const [n, jobId] of ids.entries()) {
        const job = await ctx.storage.getJob(jobId);
        if (jobId === 'job-2') {
          expect(job).toMatchObject({ nextRunAt: at(0), runCount: 0, lockedBy: 'i' });
          expect(await ctx.storage.listRuns({ jobId })).toEqual([]);
        } else {
          expect(job).toMatchObject({
            nextRunAt: at(60_000),
            runCount: n + 1,
            lockedBy: null,
            lockedUntil: null,
          });
        }
      }
    });
  });
}
