import { describe, expect, it } from 'vitest';
import { GroupCommit, type QueuedWrite } from '../../../src/storage/sql/group-commit.js';

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
});
