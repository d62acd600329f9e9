import { describe, expect, it } from 'vitest';
import { fanoutDeliveryId, fanoutIndex, fanoutKey, MAX_FANOUT, newId } from '../../src/notifier/ids.js';

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

  it('rises within a millisecond, and keeps distinct fan-out ids for its messages', () => {
    const at = Date.UTC(2026, 11, 6, 12, 0, 0);
    const ids = Array.from({ length: 5_000 }, () => newId('msg', at));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids.map((id) => fanoutDeliveryId(id, 0))).size).toBe(ids.length);
    // A new millisecond starts from random digits again, still after the millisecond before.
    const next = newId('msg', at + 1);
    expect(next > ids.at(-1)!).toBe(true);
    expect(
      new Set(Array.from({ length: 50 }, (_, i) => newId('msg', at + 2 + i).slice(12, 14))).size,
    ).toBeGreaterThan(1);
  });

  it('keeps the time digits right when the millisecond changes between ids', () => {
    const a = newId('msg', 1_000);
    const b = newId('msg', 2_000);
    const c = newId('msg', 1_000);
    expect(a.slice(0, 12)).toBe(c.slice(0, 12));
    expect(b.slice(0, 12)).not.toBe(a.slice(0, 12));
  });
});

describe('fanoutDeliveryId', () => {
  const t = Date.UTC(2026, 11, 6, 1, 0, 0);

  it('has the shape of a generated id, the message time, and sorts by index within a message', () => {
    const message = newId('msg', t);
    const ids = [0, 1, 63, 64, 4095, 4096, MAX_FANOUT - 1].map((i) => fanoutDeliveryId(message, i));
    for (const id of ids) expect(id).toMatch(/^dlv_[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]!.slice(4, 12)).toBe(message.slice(4, 12));
    for (const id of ids) expect(id.slice(4, 22)).toBe(message.slice(4, 22));
    expect(fanoutDeliveryId(message, 7)).toBe(fanoutDeliveryId(message, 7));
  });

  it('differs between messages of the same millisecond, and sorts after older messages', () => {
    const a = newId('msg', t);
    const b = newId('msg', t);
    expect(fanoutDeliveryId(a, 0)).not.toBe(fanoutDeliveryId(b, 0));
    expect(fanoutDeliveryId(newId('msg', t - 1), MAX_FANOUT - 1) < fanoutDeliveryId(a, 0)).toBe(true);
  });

  it('refuses what it cannot derive an id from', () => {
    expect(() => fanoutDeliveryId('msg_custom', 0)).toThrow(/not a generated message id/);
    expect(() => fanoutDeliveryId(newId('msg', t), MAX_FANOUT)).toThrow(/index must be an integer/);
    expect(() => fanoutDeliveryId(newId('msg', t), -1)).toThrow(/index must be an integer/);
  });
});

describe('fanoutIndex and fanoutKey', () => {
  it('read back the index and the message part of a derived id; -1 for ids of another shape', () => {
    const t = Date.UTC(2026, 11, 6, 1, 0, 0);
    const message = newId('msg', t);
    const other = newId('msg', t);
    for (const i of [0, 1, 63, 64, 4095, 4096, MAX_FANOUT - 1]) {
      expect(fanoutIndex(fanoutDeliveryId(message, i))).toBe(i);
      expect(fanoutKey(fanoutDeliveryId(message, i))).toBe(fanoutKey(fanoutDeliveryId(message, 0)));
    }
    expect(fanoutKey(fanoutDeliveryId(other, 0))).not.toBe(fanoutKey(fanoutDeliveryId(message, 0)));
    // A generated delivery id has the shape: its last 4 characters read as an index.
    expect(fanoutIndex(newId('dlv', t))).toBeGreaterThanOrEqual(0);
    for (const id of [
      'dlv_1',
      newId('att', t),
      `${fanoutDeliveryId(message, 1).slice(0, -1)}.`,
      `dlv_${'é'.repeat(22)}`,
    ])
      expect(fanoutIndex(id)).toBe(-1);
  });
});
