import { describe, expect, it } from 'vitest';
import { type Linked, LinkedSet } from '../src/linked-set.js';

interface Item extends Linked<Item> {
  name: string;
}
const item = (name: string): Item => ({ name, listed: false, previous: null, next: null });
const names = (set: LinkedSet<Item>) => [...set].map((i) => i.name);

describe('LinkedSet', () => {
  it('keeps insertion order through deletes at the head, the middle and the tail', () => {
    const set = new LinkedSet<Item>();
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map(item) as [Item, Item, Item, Item, Item];
    for (const i of [a, b, c, d, e]) set.add(i);
    expect(names(set)).toEqual(['a', 'b', 'c', 'd', 'e']);
    set.delete(c);
    set.delete(a);
    set.delete(e);
    expect(names(set)).toEqual(['b', 'd']);
    expect(set.size).toBe(2);
    set.add(a);
    expect(names(set)).toEqual(['b', 'd', 'a']);
    set.delete(b);
    set.delete(d);
    set.delete(a);
    expect(names(set)).toEqual([]);
    expect(set.size).toBe(0);
    set.add(c);
    expect(names(set)).toEqual(['c']);
  });

  it('adds an item once and deletes only what it holds, as a Set does', () => {
    const set = new LinkedSet<Item>();
    const a = item('a');
    const b = item('b');
    set.add(a);
    set.add(a);
    expect(set.size).toBe(1);
    expect(set.has(a)).toBe(true);
    expect(set.has(b)).toBe(false);
    set.delete(b);
    expect(names(set)).toEqual(['a']);
    set.delete(a);
    set.delete(a);
    expect(set.size).toBe(0);
    expect(set.has(a)).toBe(false);
  });

  it('leaves a deleted item pointing at no other, so it keeps none alive', () => {
    const set = new LinkedSet<Item>();
    const [a, b, c] = ['a', 'b', 'c'].map(item) as [Item, Item, Item];
    for (const i of [a, b, c]) set.add(i);
    set.delete(b);
    expect(b).toMatchObject({ listed: false, previous: null, next: null });
    expect(a.next).toBe(c);
    expect(c.previous).toBe(a);
  });

  it('walks every item in order while the walk changes their other fields', () => {
    const set = new LinkedSet<Item>();
    const items = ['a', 'b', 'c'].map(item);
    for (const i of items) set.add(i);
    // What the storage and the tracker do: change other fields while walking.
    for (const i of set) i.name = i.name.toUpperCase();
    expect(names(set)).toEqual(['A', 'B', 'C']);
  });
});
