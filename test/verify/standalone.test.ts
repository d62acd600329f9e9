import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../src/errors.js';
import { WebhookVerificationError } from '../../src/verify/index.js';

function importsOf(path: string): string[] {
  const source = readFileSync(new URL(path, import.meta.url), 'utf8');
  expect(source).not.toMatch(/\bimport\(/);
  return [...source.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

describe('cronhook/verify', () => {
  it('imports only node built-ins and the import-free error base, so receivers get no dependencies with it', () => {
    const specifiers = importsOf('../../src/verify/index.ts');
    expect([...new Set(specifiers.filter((s) => !s.startsWith('node:')))]).toEqual([
      '../errors.js',
      './secret.js',
      './webhook-events.js',
    ]);
    expect(importsOf('../../src/errors.ts')).toEqual([]);
    expect(importsOf('../../src/verify/secret.ts')).toEqual([]);
    // The body types: types only, nothing that runs.
    const events = readFileSync(new URL('../../src/verify/webhook-events.ts', import.meta.url), 'utf8');
    expect(importsOf('../../src/verify/webhook-events.ts')).toEqual(['../errors.js']);
    expect(events).toMatch(/^import type \{/m);
    expect(events).not.toMatch(/^export (const|function|class|let)/m);
  });

  it('throws errors that extend CronhookError with a stable code', () => {
    const error = new WebhookVerificationError('ERR_INVALID_SIGNATURE', 'bad');
    expect(error).toBeInstanceOf(CronhookError);
    expect(error).toMatchObject({ name: 'WebhookVerificationError', code: 'ERR_INVALID_SIGNATURE' });
  });
});
