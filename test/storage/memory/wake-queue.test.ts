import { describe, expect, it } from 'vitest';
import { WakeQueue } from '../../../src/storage/memory/wake-queue.js';

/** Pops everything: the (time, id) pairs in the order the queue hands them out. */
function drain(queue: WakeQueue): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  for (let t = queue.peekTime(); t !== undefined; t = queue.peekTime()) {
    out.push([t, queue.peekId()!]);
    queue.pop();
  }
  return out;
}

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('WakeQueue', () => {
  it('hands pairs out smallest time first, whatever order they were pushed in', () => {
    const queue = new WakeQueue();
    const times = [50, 10, 10, 70, 20, 5, 90, 30, 30, 1, 60];
    for (const [i, t] of times.entries()) queue.push(t, `id${i}`);
    expect(queue.size).toBe(times.length);
    const out = drain(queue);
    expect(out.map(([t]) => t)).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(out.map(([, id]) => id)).size).toBe(times.length);
    expect(queue.size).toBe(0);
    expect(queue.peekTime()).toBeUndefined();
    expect(queue.peekId()).toBeUndefined();
  });

  it('interleaves sequences pushed in time order (leases, inserts, fan-outs) with the rest', () => {
    const queue = new WakeQueue();
    const expected: number[] = [];
    const push = (t: number) => {
      queue.push(t, `p${expected.length}`);
      expected.push(t);
    };
    for (let i = 0; i < 3000; i++) {
      push(30_000 + i); // leases
      push(i); // fresh inserts
      push(1_000 + (i % 7)); // out of order
      if (i % 5 === 0) push(500 + i / 5); // another ordered sequence
      if (i % 11 === 0) push(10_000 - i); // decreasing: the heap
    }
    expect(drain(queue).map(([t]) => t)).toEqual(expected.sort((a, b) => a - b));
  });

  it('agrees with a sorted list under random pushes and pops (runs compacted on the way)', () => {
    const next = random(18);
    const queue = new WakeQueue();
    let model: number[] = [];
    let clock = 0;
    for (let step = 0; step < 20_000; step++) {
      const r = next();
      if (r < 0.55) {
        // Mostly increasing times, as leases and inserts are; sometimes earlier ones.
        clock += Math.floor(next() * 3);
        const t = next() < 0.8 ? clock : clock - Math.floor(next() * 500);
        queue.push(t, `s${step}`);
        model.push(t);
      } else if (model.length > 0) {
        model.sort((a, b) => a - b);
        expect(queue.peekTime()).toBe(model[0]);
        queue.pop();
        model = model.slice(1);
      }
      expect(queue.size).toBe(model.length);
    }
    expect(drain(queue).map(([t]) => t)).toEqual(model.sort((a, b) => a - b));
  });

  it('dropStale() drops the stale pairs heading its sequences, and keeps the rest in order', () => {
    const queue = new WakeQueue();
    // Leases of what was claimed, then due times pushed later but earlier: each sequence heads its own run.
    const leases: Array<[number, string]> = [
      [100, 'l1'],
      [101, 'l2'],
      [102, 'l3'],
    ];
    const due: Array<[number, string]> = [
      [1, 'd1'],
      [2, 'd2'],
      [3, 'd3'],
    ];
    for (const [t, id] of [...leases, ...due]) queue.push(t, id);
    const stale = new Set(['l1', 'l2', 'd2']);
    queue.dropStale((_t, id) => !stale.has(id));
    // l1 and l2 headed the lease sequence; d2 is behind d1, which is current: it stays until popped.
    expect(queue.size).toBe(4);
    expect(drain(queue)).toEqual([
      [1, 'd1'],
      [2, 'd2'],
      [3, 'd3'],
      [102, 'l3'],
    ]);
  });

  it('clear() empties it', () => {
    const queue = new WakeQueue();
    for (let i = 0; i < 10; i++) queue.push(10 - i, `x${i}`);
    queue.clear();
    expect(queue.size).toBe(0);
    expect(queue.peekTime()).toBeUndefined();
    queue.push(3, 'again');
    expect(drain(queue)).toEqual([[3, 'again']]);
  });
});
