/**
 * Fuzzes `scheduler.addJob` and `scheduler.updateJob` with hostile job definitions, against MemoryStorage and
 * a real SQLite database: each call stores a job or throws a CronhookError with a documented code, never
 * hangs, and a rejected call leaves every stored job as it was.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../src/errors.js';
import type { Scheduler } from '../../src/scheduler/scheduler.js';
import type { JobDefinition } from '../../src/scheduler/types.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import type { JobRecord, Storage } from '../../src/storage/types.js';
import { FUZZ_SEED, jobDefinition, jobPatch } from '../helpers/arbitraries.js';
import { useFuzzStorages } from '../helpers/fuzz-storages.js';
import { createTestScheduler } from '../helpers/scheduler.js';
import { expectCleanRejection, runCase } from './outcome.js';

const ADD_CODES = ['ERR_INVALID_JOB', 'ERR_INVALID_SCHEDULE', 'ERR_DUPLICATE_JOB'];
const UPDATE_CODES = ['ERR_INVALID_JOB', 'ERR_INVALID_SCHEDULE', 'ERR_JOB_NOT_FOUND'];
const EXISTING = ['existing-cron', 'existing-http'];

const storages = useFuzzStorages();

/** A scheduler holding two valid jobs, one with a signing secret, so a rejected call has something to spoil. */
async function seeded(createStorage: () => Promise<Storage>) {
  const { scheduler, storage } = createTestScheduler({ storage: await createStorage() });
  await scheduler.addJob({
    id: EXISTING[0],
    schedule: { cron: '*/5 * * * *', timezone: 'Europe/Berlin' },
    target: { handler: 'cleanup', payload: { days: 30 } },
    metadata: { tenant: 'acme' },
  });
  await scheduler.addJob({
    id: EXISTING[1],
    schedule: { every: '15m' },
    target: {
      url: 'https://example.com/hook',
      headers: { 'x-api-key': 'k' },
      signingSecret: `whsec_${'A'.repeat(43)}=`,
    },
    retry: { attempts: 3 },
    maxRuns: 10,
  });
  return { scheduler, storage };
}

/** Every stored record, secrets and leases included: what a rejected call must leave alone. */
async function snapshot(storage: Storage): Promise<JobRecord[]> {
  return storage.listJobs({ limit: 1000 });
}

/** An accepted job must be readable back as returned, and valid again as it is stored. */
async function expectSaneJob(scheduler: Scheduler, id: string): Promise<void> {
  const job = await scheduler.getJob(id);
  expect(job).not.toBeNull();
  expect(job!.nextRunAt === null || !Number.isNaN(job!.nextRunAt.getTime())).toBe(true);
  const again = await runCase(() => scheduler.updateJob(id, {}));
  if (!again.ok) throw new Error(`a stored job no longer validates: ${String(again.error)}`);
}

/** Sometimes aims a definition at an existing id, to reach the duplicate check. */
const definitions = fc.oneof(
  { weight: 5, arbitrary: jobDefinition() },
  {
    weight: 1,
    arbitrary: jobDefinition().map((d) =>
      d !== null && typeof d === 'object' && !Array.isArray(d) ? { ...d, id: EXISTING[0] } : d,
    ),
  },
);

describe.each(storages)('addJob / updateJob fuzz on %s', (_name, createStorage, numRuns) => {
  it('addJob stores a valid job or throws a coded CronhookError, leaving stored jobs untouched', async () => {
    const seen = { accepted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(definitions, async (definition) => {
        const { scheduler, storage } = await seeded(createStorage);
        const before = await snapshot(storage);
        const result = await runCase(() => scheduler.addJob(definition as JobDefinition));
        const after = await snapshot(storage);
        seen[result.ok ? 'accepted' : 'rejected']++;
        if (!result.ok) {
          expectCleanRejection(result.error, CronhookError, ADD_CODES);
          expect(after).toEqual(before);
          return;
        }
        expect(after.filter((j) => j.id !== result.value.id)).toEqual(before);
        expect(after).toHaveLength(before.length + 1);
        await expectSaneJob(scheduler, result.value.id);
      }),
      { seed: FUZZ_SEED, numRuns },
    );
    // The generator reaches both outcomes, so the deep checks and the storing path are both exercised.
    expect(seen.accepted).toBeGreaterThan(numRuns / 5);
    expect(seen.rejected).toBeGreaterThan(numRuns / 5);
  });

  it('updateJob changes one job or throws a coded CronhookError, leaving stored jobs untouched', async () => {
    const ids = fc.oneof(
      fc.constantFrom(...EXISTING),
      fc.constantFrom('missing', ''),
      fc.string({ maxLength: 5 }),
    );
    await fc.assert(
      fc.asyncProperty(ids, jobPatch(), async (id, patch) => {
        const { scheduler, storage } = await seeded(createStorage);
        const before = await snapshot(storage);
        const result = await runCase(() => scheduler.updateJob(id, patch as Partial<JobDefinition>));
        const after = await snapshot(storage);
        if (!result.ok) {
          expectCleanRejection(result.error, CronhookError, UPDATE_CODES);
          expect(after).toEqual(before);
          return;
        }
        expect(result.value.id).toBe(id);
        expect(after.filter((j) => j.id !== id)).toEqual(before.filter((j) => j.id !== id));
        expect(after).toHaveLength(before.length);
        await expectSaneJob(scheduler, id);
      }),
      { seed: FUZZ_SEED, numRuns },
    );
  });
});

/** Inputs the fuzzer found that once escaped as TypeError/RangeError or were stored as garbage. */
describe('regressions found by fuzzing', () => {
  const cyclic = (): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    o.self = o;
    return o;
  };
  const base = { schedule: '*/5 * * * *', target: { url: 'https://example.com/hook' } };
  const cases: Array<[string, () => unknown, string]> = [
    ['an id without a string form', () => ({ ...base, id: Object.create(null) }), 'id'],
    [
      'a non-string method',
      () => ({ ...base, target: { url: 'https://example.com', method: 5 } }),
      'target.method',
    ],
    [
      'headers given as a string',
      () => ({ ...base, target: { url: 'https://example.com', headers: 'abc' } }),
      'target.headers',
    ],
    [
      'a cyclic body',
      () => ({ ...base, target: { url: 'https://example.com', body: cyclic() } }),
      'target.body',
    ],
    [
      'a body holding a BigInt',
      () => ({ ...base, target: { url: 'https://example.com', body: { n: 1n } } }),
      'target.body',
    ],
    ['a number body', () => ({ ...base, target: { url: 'https://example.com', body: 5 } }), 'target.body'],
    [
      'a signing secret without a string form',
      () => ({ ...base, target: { url: 'https://example.com', signingSecret: Object.create(null) } }),
      'target.signingSecret',
    ],
    ['cyclic metadata', () => ({ ...base, metadata: cyclic() }), 'metadata'],
    ['metadata holding a BigInt', () => ({ ...base, metadata: { n: 1n } }), 'metadata'],
    [
      'metadata whose toJSON returns undefined',
      () => ({ ...base, metadata: { toJSON: () => undefined } }),
      'metadata',
    ],
    ['retry given as an array', () => ({ ...base, retry: [0n] }), 'retry'],
  ];

  it.each(cases)('addJob rejects %s with ERR_INVALID_JOB naming the field', async (_name, make, field) => {
    const { scheduler, storage } = await seeded(async () => new MemoryStorage());
    const before = await snapshot(storage);
    const result = await runCase(() => scheduler.addJob(make() as JobDefinition));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expectCleanRejection(result.error, CronhookError, ['ERR_INVALID_JOB']);
    expect((result.error as CronhookError).field).toBe(field);
    expect(await snapshot(storage)).toEqual(before);
  });

  it('retry keeps only its own fields', async () => {
    const { scheduler } = await seeded(async () => new MemoryStorage());
    const job = await scheduler.addJob({ ...base, retry: { attempts: 2, extra: 1n } as never });
    expect(job.retry).toEqual({ attempts: 2, minDelayMs: 1000, maxDelayMs: 60_000, factor: 2 });
  });

  it.each([undefined, null, 'schedule', [1]])('updateJob rejects the patch %j', async (patch) => {
    const { scheduler, storage } = await seeded(async () => new MemoryStorage());
    const before = await snapshot(storage);
    const result = await runCase(() => scheduler.updateJob(EXISTING[0]!, patch as never));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expectCleanRejection(result.error, CronhookError, ['ERR_INVALID_JOB']);
    expect(await snapshot(storage)).toEqual(before);
  });
});

describe('addJob fuzz on a random seed (fast-check prints the seed of any failure)', () => {
  it('stores a valid job or throws a coded CronhookError', async () => {
    await fc.assert(
      fc.asyncProperty(definitions, async (definition) => {
        const { scheduler, storage } = await seeded(async () => new MemoryStorage());
        const before = await snapshot(storage);
        const result = await runCase(() => scheduler.addJob(definition as JobDefinition));
        if (!result.ok) {
          expectCleanRejection(result.error, CronhookError, ADD_CODES);
          expect(await snapshot(storage)).toEqual(before);
        }
      }),
      { numRuns: 100 },
    );
  });
});
