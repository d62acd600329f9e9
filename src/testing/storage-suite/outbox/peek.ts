import { describe, expect, it } from 'vitest';
import type { EndpointRecord } from '../../../notifier/types.js';
import type { Storage } from '../../../storage/types.js';
import type { SuiteContext } from '../context.js';
import { at, endpoint } from '../fixtures.js';

type Peek = () => readonly Readonly<EndpointRecord>[];

/**
 * `peekEndpoints` is optional (storage holding endpoints in process): these tests are reported as skipped
 * for an adapter without it. What they hold it to: it answers as listing every endpoint does, right away, and
 * an array or record it handed out is never changed afterwards, while every write shows in the next peek.
 */
export function endpointPeekTests(ctx: SuiteContext): void {
  describe('reading the endpoints without copies (peekEndpoints)', () => {
    const peekOf = (skip: () => void): Peek => {
      const storage: Storage = ctx.storage;
      if (storage.peekEndpoints === undefined) skip();
      return () => storage.peekEndpoints!();
    };

    it('returns what listing every endpoint returns, in its order, without a promise', async ({ skip }) => {
      const peek = peekOf(skip);
      expect(peek()).toEqual([]);
      await ctx.storage.insertEndpoint(endpoint('peek-b', { createdAt: at(5) }));
      await ctx.storage.insertEndpoint(endpoint('peek-a', { createdAt: at(5) }));
      await ctx.storage.insertEndpoint(endpoint('peek-c', { createdAt: at(1) }));
      const peeked = peek();
      expect(peeked).not.toBeInstanceOf(Promise);
      expect(peeked.map((e) => e.id)).toEqual(['peek-c', 'peek-a', 'peek-b']);
      expect(peeked).toEqual(await ctx.storage.listEndpoints({ limit: 1000 }));
    });

    it('leaves what it handed out as it was while endpoints are updated, added and deleted', async ({
      skip,
    }) => {
      const peek = peekOf(skip);
      await ctx.storage.insertEndpoint(endpoint('peek-1', { createdAt: at(1) }));
      await ctx.storage.insertEndpoint(endpoint('peek-2', { createdAt: at(2) }));
      const first = peek();
      const before = structuredClone(first);
      await ctx.storage.updateEndpoint(
        endpoint('peek-1', { createdAt: at(1), topics: ['x.*'], enabled: false }),
      );
      await ctx.storage.insertEndpoint(endpoint('peek-3', { createdAt: at(3) }));
      await ctx.storage.deleteEndpoint('peek-2');
      expect(first).toEqual(before);
      const now = peek();
      expect(now.map((e) => [e.id, e.topics, e.enabled])).toEqual([
        ['peek-1', ['x.*'], false],
        ['peek-3', endpoint('peek-3').topics, true],
      ]);
      expect(now).toEqual(await ctx.storage.listEndpoints({ limit: 1000 }));
    });

    it('hands out records a slip cannot change: writes to them throw', async ({ skip }) => {
      const peek = peekOf(skip);
      await ctx.storage.insertEndpoint(endpoint('peek-f'));
      const [record] = peek() as EndpointRecord[];
      expect(() => {
        record!.enabled = false;
      }).toThrow(TypeError);
      expect(() => record!.topics.push('y.*')).toThrow(TypeError);
      expect(() => {
        record!.headers['x-added'] = '1';
      }).toThrow(TypeError);
      expect(() => (peek() as EndpointRecord[]).pop()).toThrow(TypeError);
      expect(await ctx.storage.getEndpoint('peek-f')).toEqual(endpoint('peek-f'));
    });
  });
}
