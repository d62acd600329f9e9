/**
 * Fuzzes the `cronhook run` config loader (src/cli/config.ts): a config file or exported object is accepted
 * or refused with one `ERR_CONFIG` CronhookError naming the file; nothing else escapes and nothing hangs.
 * Jobs and endpoints inside it are validated later by addJob/addEndpoint (fuzzed in their own files).
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfig, loadConfig } from '../../src/cli/config.js';
import { CronhookError } from '../../src/errors.js';
import { configFileText, configObject, FUZZ_SEED } from '../helpers/arbitraries.js';
import { useTempDir } from '../helpers/test-lifecycle.js';
import { expectCleanRejection, runCase } from './outcome.js';

const temp = useTempDir('config-fuzz');
beforeAll(() => {
  process.env.FUZZ_HOOK_SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
});
afterAll(() => {
  delete process.env.FUZZ_HOOK_SECRET;
});

describe('config loader fuzz', () => {
  it('checkConfig accepts a config object or throws ERR_CONFIG naming the file (fixed seed)', async () => {
    const seen = { accepted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(configObject(), async (raw) => {
        const result = await runCase(() => checkConfig('fuzz.config.mjs', raw));
        seen[result.ok ? 'accepted' : 'rejected']++;
        if (result.ok) return;
        expectCleanRejection(result.error, CronhookError, ['ERR_CONFIG']);
        expect((result.error as Error).message).toContain('fuzz.config.mjs');
      }),
      { seed: FUZZ_SEED, numRuns: 400 },
    );
    expect(seen.accepted).toBeGreaterThan(40);
    expect(seen.rejected).toBeGreaterThan(40);
  });

  it('loadConfig reads a JSON file or throws ERR_CONFIG naming the file (fixed seed)', async () => {
    await fc.assert(
      fc.asyncProperty(configFileText(), async (text) => {
        const file = temp.file('config.json');
        writeFileSync(file, text);
        const result = await runCase(() => loadConfig(file));
        if (result.ok) {
          expect(typeof result.value).toBe('object');
          return;
        }
        expectCleanRejection(result.error, CronhookError, ['ERR_CONFIG']);
        expect((result.error as Error).message).toContain(file);
      }),
      { seed: FUZZ_SEED, numRuns: 150 },
    );
  });

  it('checkConfig on a random seed (fast-check prints the seed of any failure)', async () => {
    await fc.assert(
      fc.asyncProperty(configObject(), async (raw) => {
        const result = await runCase(() => checkConfig('fuzz.json', raw));
        if (!result.ok) expectCleanRejection(result.error, CronhookError, ['ERR_CONFIG']);
      }),
      { numRuns: 200 },
    );
  });

  describe('regressions found by fuzzing', () => {
    it.each([
      ['a null-prototype object', Object.create(null)],
      ['a symbol', Symbol('env')],
      [
        'an object whose toString throws',
        {
          toString: () => {
            throw new Error('boom');
          },
        },
      ],
      ['an empty string', ''],
    ])('secretEnv %s: ERR_CONFIG naming the field, not a TypeError', async (_name, secretEnv) => {
      const result = await runCase(() =>
        checkConfig('fuzz.config.mjs', { endpoints: [{ url: 'https://example.com/hook', secretEnv }] }),
      );
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expectCleanRejection(result.error, CronhookError, ['ERR_CONFIG']);
      expect((result.error as CronhookError).field).toBe('endpoints[0].secretEnv');
    });
  });
});
