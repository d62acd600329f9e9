import { describe, expect, it } from 'vitest';
import { FreshMap, FreshSet } from '../src/fresh-collections.js';

// Entries coming and going through many copies of the table (one after every 4,096 or more additions): the
// collections must answer exactly as a Map and a Set given the same calls.
const STEPS = 30_000;

/** A repeatable sequence of small integers. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state;
  };
}

describe('FreshSet', () => {
  it('answers as a Set through add/delete churn across many copies of its table', () => {
    const fresh = new FreshSet<object>();
    const reference = new Set<object>();
    const live: object[] = [];
    const next = sequence(7);
    for (let step = 0; step < STEPS; step++) {
      if (live.length > 0 && next() % 3 === 0) {
        const [gone] = live.splice(next() % live.length, 1);
        expect(fresh.delete(gone!)).toBe(reference.delete(gone!));
        expect(fresh.delete(gone!)).toBe(false);
      } else {
        const value = { step };
        live.push(value);
        fresh.add(value);
        reference.add(value);
        fresh.add(value); // adding again changes nothing
      }
      expect(fresh.size).toBe(reference.size);
    }
    expect([...fresh]).toEqual([...reference]); // insertion order kept by the copies
    expect([...fresh.values()]).toEqual([...reference.values()]);
    for (const value of live) expect(fresh.has(value)).toBe(true);
    expect(fresh.has({})).toBe(false);
    fresh.clear();
    expect(fresh.size).toBe(0);
    expect([...fresh]).toEqual([]);
  });
});

describe('FreshMap', () => {
  it('answers as a Map through set/delete churn across many copies of its table', () => {
    const fresh = new FreshMap<string, number>();
    const reference = new Map<string, number>();
    const next = sequence(11);
    for (let step = 0; step < STEPS; step++) {
      const key = `k${next() % 2_000}`;
      if (next() % 2 === 0) {
        expect(fresh.delete(key)).toBe(reference.delete(key));
      } else {
        fresh.set(key, step);
        reference.set(key, step);
      }
      expect(fresh.size).toBe(reference.size);
      expect(fresh.get(key)).toBe(reference.get(key));
      expect(fresh.has(key)).toBe(reference.has(key));
    }
    expect([...fresh]).toEqual([...reference]);
    expect([...fresh.keys()]).toEqual([...reference.keys()]);
    expect([...fresh.values()]).toEqual([...reference.values()]);
    fresh.clear();
    expect(fresh.size).toBe(0);
    expect(fresh.get('k1')).toBeUndefined();
  });
});
