import { describe, expect, it } from 'vitest';
import { SharedHeaders } from '../../../../src/storage/memory/outbox/shared-headers.js';

describe('SharedHeaders', () => {
  it('shares the stored object while names, order and values repeat, and copies anything else', () => {
    const shared = new SharedHeaders();
    const given = { 'content-type': 'text/plain', date: 'Mon, 07 Dec 2026 18:00:00 GMT' };
    const first = shared.copy(given);
    expect(first).toEqual(given);
    expect(first).not.toBe(given);
    expect(shared.copy({ ...given })).toBe(first);
    const cases: Record<string, string>[] = [
      { 'content-type': 'text/plain' },
      { 'content-type': 'text/plain', date: 'Mon, 07 Dec 2026 18:00:01 GMT' },
      { 'content-type': 'text/plain', date: 'Mon, 07 Dec 2026 18:00:01 GMT', server: 'x' },
      { date: 'Mon, 07 Dec 2026 18:00:01 GMT', 'content-type': 'text/plain', server: 'x' },
      {},
    ];
    for (const headers of cases) {
      const kept = shared.copy(headers);
      expect(kept).toEqual(headers);
      expect(Object.keys(kept)).toEqual(Object.keys(headers));
      expect(kept).not.toBe(headers);
      expect(shared.copy({ ...headers })).toBe(kept);
    }
  });
});
