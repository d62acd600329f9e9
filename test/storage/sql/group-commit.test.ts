import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Gather, GroupCommit, type QueuedWrite } from '../../../src/storage/sql/group-commit.js';

/** A commit function that records its groups and resolves each write with its work doubled. */
function recorder(options: { fail?: (group: number[]) => Error | null; gate?: Promise<void> } = {}) {
  const groups: number[][] = [];
  const commit = async (group: QueuedWrite<number>[]) => {
    groups.push(group.map((w) => w.work));
    if (options.gate) await options.gate;
    const error = options.fail?.(group.map((w) => w.work)) ?? null;
    if (error) throw error;
    for (const write of group) {
      if (write.work < 0) write.reject(new Error(`bad ${write.work}`));
      else write.resolve(write.work * 2);
    }
  };
  return { groups, commit };
}

describe('GroupCommit', () => {
  it('commits the writes of one event-loop turn together and resolves each with its own result', async () => {
    const { groups, commit } = recorder();
    const writes = new GroupCommit<number>(commit);
    const results = await Promise.allSettled([1, 2, -3, 4].map((n) => writes.push<number>(n)));
    expect(groups).toEqual([[1, 2, -3, 4]]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'fulfilled', value: 4 },
      { status: 'rejected', reason: new Error('bad -3') },
      { status: 'fulfilled', value: 8 },
    ]);
  });

  it('hold() keeps groups back while writes queue; released, they commit together', async () => {
    const { groups, commit } = recorder();
    const writes = new GroupCommit<number>(commit);
    const release = writes.hold();
    const first = writes.push(1);
    await new Promise((resolve) => setImmediate(resolve));
    const second = writes.push(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(groups).toEqual([]);
    let drained = false;
    const draining = writes.drained().then(() => {
      drained = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    release();
    release(); // twice is once
    expect(await Promise.all([first, second])).toEqual([2, 4]);
    await draining;
    expect(groups).toEqual([[1, 2]]);
  });

  it('writes arriving while a group commits form the next group, committed after it', async () => {
    let open!: () => void;
    const { groups, commit } = recorder({ gate: new Promise((resolve) => (open = resolve)) });
    const writes = new GroupCommit<number>(commit);
    const first = writes.push(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(groups).toEqual([[1]]);
    const later = [writes.push(2), writes.push(3)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(groups).toEqual([[1]]); // one group at a time
    open();
    expect(await first).toBe(2);
    expect(await Promise.all(later)).toEqual([4, 6]);
    expect(groups).toEqual([[1], [2, 3]]);
  });

  it('a commit that throws rejects every write of its group, and the next group still commits', async () => {
    const { groups, commit } = recorder({ fail: (g) => (g.includes(1) ? new Error('disk full') : null) });
    const writes = new GroupCommit<number>(commit);
    const failed = await Promise.allSettled([writes.push(1), writes.push(2)]);
    expect(failed.map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual([
      'disk full',
      'disk full',
    ]);
    expect(await writes.push(5)).toBe(10);
    expect(groups).toEqual([[1, 2], [5]]);
  });

  it('caps a group by count and by weight; a write heavier than the cap goes alone', async () => {
    const { groups, commit } = recorder();
    const writes = new GroupCommit<number>(commit, 3, { weigh: (n) => n, maxWeight: 10 });
    await Promise.all([1, 2, 3, 4, 5, 20, 6].map((n) => writes.push(n)));
    expect(groups).toEqual([[1, 2, 3], [4, 5], [20], [6]]);
  });

  it('drained() resolves once everything queued so far is settled', async () => {
    const { groups, commit } = recorder();
    const writes = new GroupCommit<number>(commit);
    await writes.drained();
    const pending = [writes.push(1), writes.push(2)];
    await writes.drained();
    expect(groups).toEqual([[1, 2]]);
    expect(await Promise.all(pending)).toEqual([2, 4]);
  });

  describe('with a gather (writes that may wait for more)', () => {
    /** Odd numbers may wait (outcomes), even ones may not (claims); `waiting` is the test's to set. */
    function gathering(
      options: Partial<Pick<Gather<number>, 'turns' | 'size' | 'busyMs'>> & { gate?: Promise<void> } = {},
    ) {
      const state = { waiting: false };
      const { groups, commit } = recorder({ gate: options.gate });
      const writes = new GroupCommit<number>(commit, 500, undefined, {
        mayWait: (n) => n % 2 === 1,
        waiting: () => state.waiting,
        turns: options.turns ?? 0,
        size: options.size ?? 100,
        busyMs: options.busyMs,
      });
      return { state, groups, writes };
    }
    const turn = () => new Promise((resolve) => setImmediate(resolve));

    it('holds writes that may wait while waiting() says so, and commits them as one group once resumed', async () => {
      const { state, groups, writes } = gathering();
      state.waiting = true;
      const held = [writes.push(1)];
      await turn();
      held.push(writes.push(3), writes.push(5));
      await turn();
      await turn();
      expect(groups).toEqual([]);
      const drained = writes.drained();
      writes.resume(); // still waiting: nothing moves
      await turn();
      expect(groups).toEqual([]);
      state.waiting = false;
      writes.resume();
      expect(await Promise.all(held)).toEqual([2, 6, 10]);
      await drained;
      expect(groups).toEqual([[1, 3, 5]]);
    });

    it('a write that may not wait commits at the next turn and takes the waiting ones with it', async () => {
      const { state, groups, writes } = gathering();
      state.waiting = true;
      const outcome = writes.push(1);
      await turn();
      expect(groups).toEqual([]);
      const claim = writes.push(2);
      expect(await Promise.all([outcome, claim])).toEqual([2, 4]);
      expect(groups).toEqual([[1, 2]]);
      // With the claim gone, the next outcome waits again.
      const next = writes.push(3);
      await turn();
      await turn();
      expect(groups).toEqual([[1, 2]]);
      state.waiting = false;
      writes.resume();
      expect(await next).toBe(6);
    });

    it('holds a queue that may wait `turns` turns more, and commits a queue of `size` at once', async () => {
      const { groups, writes } = gathering({ turns: 3, size: 4 });
      const first = writes.push(1);
      for (let i = 0; i < 3; i++) {
        await turn();
        expect(groups).toEqual([]);
      }
      writes.push(3);
      await first;
      // Two writes, queued over four turns, in one group.
      expect(groups).toEqual([[1, 3]]);
      const full = [1, 3, 5, 7].map((n) => writes.push(n));
      await turn();
      await turn();
      expect(groups).toEqual([
        [1, 3],
        [1, 3, 5, 7],
      ]);
      await Promise.all(full);
    });

    describe('busyMs', () => {
      afterEach(() => {
        vi.useRealTimers();
      });

      it('under load, holds a queue busyMs after its turns; an idle queue, and a full one, go without it', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }); // turns (setImmediate) stay real
        let open!: () => void;
        const gate = new Promise<void>((resolve) => (open = resolve));
        const { groups, writes } = gathering({ turns: 1, size: 4, busyMs: 5, gate });
        // Idle: a lone write goes after its turns, with no wait.
        const first = writes.push(1);
        await turn();
        await turn();
        expect(groups).toEqual([[1]]);
        // Writes queued while that group commits: under load, they wait for more past their turns.
        const queued = [writes.push(3), writes.push(5)];
        open();
        await first;
        for (let i = 0; i < 5; i++) await turn();
        expect(groups).toEqual([[1]]);
        queued.push(writes.push(7));
        await turn();
        expect(groups).toEqual([[1]]);
        vi.advanceTimersByTime(5);
        // Queued while that group commits: waiting again, until it fills to `size`.
        const full = [9, 11, 13].map((n) => writes.push(n));
        expect(await Promise.all(queued)).toEqual([6, 10, 14]);
        expect(groups).toEqual([[1], [3, 5, 7]]);
        for (let i = 0; i < 5; i++) await turn();
        expect(groups).toHaveLength(2);
        full.push(writes.push(15));
        expect(await Promise.all(full)).toEqual([18, 22, 26, 30]);
        expect(groups).toEqual([[1], [3, 5, 7], [9, 11, 13, 15]]);
      });
    });
  });
});
