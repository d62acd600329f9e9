import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, parseJson, runCli } from '../../helpers/cli.js';

beforeAll(ensureCliBuilt);

describe('cronhook next', () => {
  it('follows the timezone across a DST change', async () => {
    // Europe/Berlin springs forward on 2026-03-29: 03:00 local is 02:00Z before and 01:00Z after.
    const result = await runCli([
      'next',
      '0 3 * * *',
      '--tz',
      'Europe/Berlin',
      '-n',
      '3',
      '--from',
      '2026-03-27T12:00:00Z',
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(parseJson(result)).toEqual({
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
      next: ['2026-03-28T02:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T01:00:00.000Z'],
    });
  });

  it('prints a table with UTC and local times by default', async () => {
    const result = await runCli(['next', '@daily', '--from', '2026-01-01T10:00:00Z', '-n', '2']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^UTC\s+LOCAL \(UTC\)$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-03T00:00:00.000Z',
    ]);
  });

  it('accepts six fields (seconds first)', async () => {
    const result = await runCli([
      'next',
      '*/20 * * * * *',
      '--from',
      '2026-01-01T00:00:05Z',
      '-n',
      '2',
      '--json',
    ]);
    expect(parseJson<{ next: string[] }>(result).next).toEqual([
      '2026-01-01T00:00:20.000Z',
      '2026-01-01T00:00:40.000Z',
    ]);
  });
});
