import { describe, expect, it } from 'vitest';
import { HeldByEndpoint } from '../../../src/notifier/delivery/held-by-endpoint.js';

const ids = (held: HeldByEndpoint) => held.holding.map((h) => `${h.id}:${h.waiting}`).sort();

describe('HeldByEndpoint', () => {
  it('counts what each endpoint has waiting and lists the endpoints holding any', () => {
    const held = new HeldByEndpoint();
    const a = held.entry('a');
    const b = held.entry('b');
    held.add(a);
    held.add(a);
    held.add(b);
    expect(held.entry('a')).toBe(a);
    expect(ids(held)).toEqual(['a:2', 'b:1']);
    held.remove(a);
    held.remove(b);
    expect(ids(held)).toEqual(['a:1']);
    held.add(b);
    held.remove(a);
    expect(ids(held)).toEqual(['b:1']);
  });

  it('tells what each endpoint held before while a claim is placed, and nothing after', () => {
    const held = new HeldByEndpoint();
    const a = held.entry('a');
    held.add(a);
    held.add(a);
    held.beginPlacing();
    expect([a.waiting, a.before, held.holding.length]).toEqual([0, 2, 0]);
    const c = held.entry('c');
    held.add(c);
    held.add(a);
    expect([a.before, c.before]).toEqual([2, 0]);
    held.endPlacing();
    expect([a.before, c.before]).toEqual([0, 0]);
    expect(ids(held)).toEqual(['a:1', 'c:1']);
  });

  it('keeps the entries of endpoints holding deliveries while many others come and go', () => {
    const held = new HeldByEndpoint();
    const kept = held.entry('kept');
    held.add(kept);
    for (let i = 0; i < 3_000; i++) {
      const other = held.entry(`ep_${i}`);
      held.add(other);
      held.remove(other);
    }
    expect(held.entry('kept')).toBe(kept);
    expect(ids(held)).toEqual(['kept:1']);
  });
});
