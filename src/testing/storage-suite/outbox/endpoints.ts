import { describe, expect, it } from 'vitest';
import { expectCode, type SuiteContext } from '../context.js';
import { at, delivery, endpoint, message, pad } from '../fixtures.js';

export function endpointTests(ctx: SuiteContext): void {
  describe('endpoints', () => {
    it('round-trips an endpoint with every field, secrets and their dates included', async () => {
      const full = endpoint('ep-full');
      const bare = endpoint('ep-bare', {
        description: null,
        topics: ['*'],
        jobIds: null,
        match: null,
        enabled: false,
        propagateTraceContext: false,
        disabledReason: 'gone',
        disabledAt: at(77),
        failingSince: null,
        headers: {},
        authorization: null,
        secrets: [{ secret: 'whsec_c2luZ2xl', createdAt: at(0), expiresAt: null }],
      });
      await ctx.storage.insertEndpoint(full);
      await ctx.storage.insertEndpoint(bare);
      expect(await ctx.storage.getEndpoint('ep-full')).toEqual(full);
      expect(await ctx.storage.getEndpoint('ep-bare')).toEqual(bare);
      expect(await ctx.storage.getEndpoint('nope')).toBeNull();
    });

    it('refuses a duplicate endpoint id with ERR_DUPLICATE_ENDPOINT, keeping the stored one', async () => {
      await ctx.storage.insertEndpoint(endpoint('ep'));
      await expectCode(
        ctx.storage.insertEndpoint(endpoint('ep', { url: 'https://other.example/' })),
        'ERR_DUPLICATE_ENDPOINT',
      );
      expect(await ctx.storage.getEndpoint('ep')).toEqual(endpoint('ep'));
    });

    it('updateEndpoint replaces it; an unknown one throws ERR_ENDPOINT_NOT_FOUND', async () => {
      await ctx.storage.insertEndpoint(endpoint('ep'));
      const changed = endpoint('ep', {
        topics: ['job.execution.failed'],
        enabled: false,
        propagateTraceContext: false,
        disabledReason: 'failing',
        disabledAt: at(1_000),
        secrets: [],
        updatedAt: at(1_000),
      });
      await ctx.storage.updateEndpoint(changed);
      expect(await ctx.storage.getEndpoint('ep')).toEqual(changed);
      await expectCode(ctx.storage.updateEndpoint(endpoint('ghost')), 'ERR_ENDPOINT_NOT_FOUND');
      expect(await ctx.storage.getEndpoint('ghost')).toBeNull();
    });

    it('lists endpoints by creation time then id, paging with after', async () => {
      const created = [3, 1, 2, 1, 0];
      for (const [i, offset] of created.entries()) {
        await ctx.storage.insertEndpoint(endpoint(`ep-${pad(i)}`, { createdAt: at(offset) }));
      }
      const expected = ['ep-0004', 'ep-0001', 'ep-0003', 'ep-0002', 'ep-0000'];
      expect((await ctx.storage.listEndpoints()).map((e) => e.id)).toEqual(expected);
      const page1 = await ctx.storage.listEndpoints({ limit: 2 });
      const page2 = await ctx.storage.listEndpoints({ limit: 2, after: page1.at(-1)!.id });
      const page3 = await ctx.storage.listEndpoints({ limit: 2, after: page2.at(-1)!.id });
      expect([...page1, ...page2, ...page3].map((e) => e.id)).toEqual(expected);
    });

    it('deleteEndpoint drops its pending deliveries but keeps its delivery log', async () => {
      await ctx.storage.insertEndpoint(endpoint('ep'));
      await ctx.storage.insertEndpoint(endpoint('other'));
      await ctx.storage.insertMessage({
        message: message('m'),
        deliveries: [
          delivery('d-pending', 'm', 'ep'),
          delivery('d-done', 'm', 'ep', { status: 'succeeded', nextAttemptAt: null, attempts: 1 }),
          delivery('d-other', 'm', 'other'),
        ],
      });
      expect(await ctx.storage.deleteEndpoint('ep')).toBe(true);
      expect(await ctx.storage.getEndpoint('ep')).toBeNull();
      expect(await ctx.storage.getDelivery('d-pending')).toBeNull();
      expect(await ctx.storage.getDelivery('d-done')).not.toBeNull();
      expect(await ctx.storage.getDelivery('d-other')).not.toBeNull();
      expect(await ctx.storage.deleteEndpoint('ep')).toBe(false);
      const claimed = await ctx.storage.claimDeliveries({
        now: at(0),
        limit: 10,
        instanceId: 'i',
        leaseMs: 1_000,
      });
      expect(claimed.map((d) => d.id)).toEqual(['d-other']);
    });
  });
}
