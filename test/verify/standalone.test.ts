import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('cronhook/verify', () => {
  it('imports nothing but node built-ins, so receivers get no dependencies with it', () => {
    const source = readFileSync(new URL('../../src/verify/index.ts', import.meta.url), 'utf8');
    const specifiers = [...source.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map(
      (m) => m[1],
    );
    expect(specifiers.length).toBeGreaterThan(0);
    expect(specifiers.every((s) => s?.startsWith('node:'))).toBe(true);
    expect(source).not.toMatch(/\bimport\(/);
  });
});
