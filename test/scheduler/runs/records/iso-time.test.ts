import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../../../src/scheduler/runs/records/run-records.js';

describe('isoTime', () => {
  it('writes what Date#toISOString writes, for any millisecond', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_198_755_200_000, max: 8_640_000_000_000_000 }), (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 5000 },
    );
  });

  it('is right across day boundaries asked for in any order, and at the edges', () => {
    const edges = [0, 86_399_999, 86_400_000, 951_782_400_000, 253_402_300_799_999, 253_402_300_800_000, -1];
    for (const ms of [...edges, ...edges.reverse()]) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it('is right for the same millisecond asked for in turn, around other ones and times it leaves to toISOString', () => {
    const day = 1_780_000_000_000;
    const asked = [day, day, day + 1, day, day, -5, -5, day + 1, day + 86_400_000, day + 86_400_000, day];
    for (const ms of asked) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(isoTime(day)).toBe(new Date(day).toISOString());
  });

  it('throws for a time that is not a date, as toISOString does', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(8_640_000_000_000_001)).toThrow(RangeError);
  });
});
