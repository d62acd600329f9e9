import { describe, expect, it } from 'vitest';
import { newRunId } from '../../../../src/scheduler/runs/records/run-id.js';

const T = Date.parse('2030-01-01T00:00:00Z');

describe('newRunId', () => {
  it('makes ids that sort in the order they were made, within a millisecond and when the clock goes back', () => {
    const times = [T, T, T, T + 5, T - 60_000, T - 60_000, T + 5, T + 6];
    const ids = times.map((t) => newRunId(t));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^run_[0-9a-z]{12}[A-Za-z0-9_-]{11}$/);
  });

  it('stays ordered and unique past the per-millisecond sequence (the time part moves on)', () => {
    const at = T + 10_000;
    const ids = Array.from({ length: 50_000 }, () => newRunId(at));
    expect(ids.every((id, i) => i === 0 || ids[i - 1]! < id)).toBe(true);
    // A later real millisecond that the carried time part has already passed still sorts after.
    expect(newRunId(at + 1) > ids.at(-1)!).toBe(true);
  });
});
