import { describe, expect, it } from 'vitest';
import { newId } from '../../src/notifier/ids.js';

describe('newId', () => {
  it('is the prefix and 22 base64url characters', () => {
    for (const prefix of ['msg', 'ep', 'dlv', 'att'] as const)
      expect(newId(prefix, Date.UTC(2026, 0, 1))).toMatch(new RegExp(`^${prefix}_[A-Za-z0-9_-]{22}$`));
  });

  it('sorts in creation order across milliseconds, as byte strings', () => {
    const t = Date.UTC(2026, 11, 5, 22, 0, 0);
    const ids = [t, t + 1, t + 63, t + 64, t + 4096, t + 86_400_000].map((at) => newId('dlv', at));
    expect([...ids].sort()).toEqual(ids);
  });

  it('never repeats, also among ids made in the same millisecond (past the random pool refills)', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i++) ids.add(newId('dlv', 1_700_000_000_000));
    expect(ids.size).toBe(20_000);
    const tails = new Set([...ids].map((id) => id.slice('dlv_'.length + 8)));
    expect(tails.size).toBe(20_000);
  });

  it('keeps the time digits right when the millisecond changes between ids', () => {
    const a = newId('msg', 1_000);
    const b = newId('msg', 2_000);
    const c = newId('msg', 1_000);
    expect(a.slice(0, 12)).toBe(c.slice(0, 12));
    expect(b.slice(0, 12)).not.toBe(a.slice(0, 12));
  });
});
