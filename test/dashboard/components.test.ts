import { describe, expect, it } from 'vitest';
import { breakable } from '../../src/dashboard/html/components.js';
import { newId } from '../../src/notifier/ids.js';

describe('breakable', () => {
  it('lets a long id, topic or URL wrap only after its separators, and escapes each piece', () => {
    expect(String(breakable('https://hooks.example.com/a?b=<c>'))).toBe(
      'https:/<wbr>/<wbr>hooks.example.com/<wbr>a?b=&lt;c&gt;',
    );
    expect(String(breakable('job.execution.succeeded'))).toBe('job.<wbr>execution.<wbr>succeeded');
    expect(String(breakable('nightly-cleanup_eu-west'))).toBe('nightly-<wbr>cleanup_<wbr>eu-<wbr>west');
  });

  it("keeps short ids and the notifier's own ids whole", () => {
    expect(String(breakable('crm-export'))).toBe('<span class="whole">crm-export</span>');
    for (const prefix of ['dlv', 'ep', 'msg', 'att'] as const) {
      const id = newId(prefix, Date.UTC(2026, 11, 5));
      expect(String(breakable(id))).toBe(`<span class="whole">${id}</span>`);
    }
  });
});
