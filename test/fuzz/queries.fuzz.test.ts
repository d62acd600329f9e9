/**
 * Fuzzes the read and small write entries that take caller data besides definitions: `nextRuns(id, count)`,
 * `listJobs(options)`, `listRuns(id, options)`, `publish(topic, data)`, `rotateSecret(id, options)`,
 * `listDeliveries(query)` and `replay(options)`, on MemoryStorage and SQLite. Each works or throws a coded
 * CronhookError, within the time bound (a count of Infinity must not spin), and a rejected write changes
 * nothing stored.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../src/errors.js';
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { MockTransport } from '../../src/testing/mock-transport.js';
import { anyValue, FUZZ_SEED, hostileString } from '../helpers/arbitraries.js';
import { useFuzzStorages } from '../helpers/fuzz-storages.js';
import { createTestScheduler } from '../helpers/scheduler.js';
import { expectCleanRejection, runCase } from './outcome.js';

const CODES = [
  'ERR_INVALID_OPTION',
  'ERR_INVALID_ENDPOINT',
  'ERR_JOB_NOT_FOUND',
  'ERR_RUN_NOT_FOUND',
  'ERR_ENDPOINT_NOT_FOUND',
];

const storages = useFuzzStorages();

/** Counts and option objects: good values, limits, and anything. */
const count = fc.oneof(
  fc.integer({ min: -2, max: 50 }),
  fc.constantFrom(Number.POSITIVE_INFINITY, Number.NaN, 1e9, 10_001, 2 ** 53),
  anyValue(),
);
const listOptions = fc.oneof(
  fc.record(
    {
      limit: count,
      after: fc.oneof(fc.string(), anyValue()),
      before: fc.oneof(fc.string(), anyValue()),
      enabled: anyValue(),
      status: anyValue(),
    },
    { requiredKeys: [] },
  ),
  anyValue(),
);

describe.each(storages)('query and small write fuzz on %s', (_name, createStorage) => {
  it('scheduler reads work or throw a coded CronhookError, in time (fixed seed)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('nextRuns', 'listJobs', 'listRuns'),
        count,
        listOptions,
        async (entry, n, options) => {
          const { scheduler } = createTestScheduler({ storage: await createStorage() });
          await scheduler.addJob({ id: 'every-second', schedule: { every: '1s' }, target: { handler: 'x' } });
          await scheduler.triggerJob('every-second').catch(() => {});
          const result = await runCase<unknown>(() =>
            entry === 'nextRuns'
              ? scheduler.nextRuns('every-second', n as number)
              : entry === 'listJobs'
                ? scheduler.listJobs(options as never)
                : scheduler.listRuns('every-second', options as never),
          );
          if (!result.ok) expectCleanRejection(result.error, CronhookError, CODES);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 150 },
    );
  });

  it('notifier entries work or throw a coded CronhookError, leaving endpoints untouched (fixed seed)', async () => {
    const topic = fc.oneof(
      fc.constantFrom('invoice.paid', 'webhook.ping', 'a..b'),
      hostileString(),
      anyValue(),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('publish', 'rotateSecret', 'listDeliveries', 'replay'),
        topic,
        anyValue(),
        listOptions,
        async (entry, t, data, options) => {
          const clock = new FakeClock('2026-01-01T00:00:00Z');
          const storage = await createStorage();
          const notifier = new WebhookNotifier({
            storage,
            clock,
            transport: new MockTransport([], { clock }),
          });
          const { endpoint } = await notifier.addEndpoint({ url: 'https://example.com/hook' });
          const before = await storage.listEndpoints({ limit: 10 });
          const result = await runCase<unknown>(() => {
            switch (entry) {
              case 'publish':
                return notifier.publish(t as string, data);
              case 'rotateSecret':
                return notifier.rotateSecret(endpoint.id, options as never);
              case 'listDeliveries':
                return notifier.listDeliveries(options as never);
              default:
                return notifier.replay(options as never);
            }
          });
          if (result.ok) return;
          expectCleanRejection(result.error, CronhookError, CODES);
          expect(await storage.listEndpoints({ limit: 10 })).toEqual(before);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 150 },
    );
  });
});

/** Inputs the fuzzer found that once spun until memory ran out or escaped as TypeError. */
describe('regressions found by fuzzing', () => {
  it.each([Number.POSITIVE_INFINITY, 2 ** 53, 1001, -1, 1.5, Number.NaN, '5'])(
    'nextRuns(id, %s) is ERR_INVALID_OPTION, not a loop that fills memory',
    async (n) => {
      const { scheduler } = createTestScheduler();
      await scheduler.addJob({ id: 'every-second', schedule: { every: '1s' }, target: { handler: 'x' } });
      const result = await runCase<unknown>(() => scheduler.nextRuns('every-second', n as number));
      expect(result.ok).toBe(false);
      if (!result.ok) expectCleanRejection(result.error, CronhookError, ['ERR_INVALID_OPTION']);
    },
  );

  it('nextRuns still returns up to 1000 fire times', async () => {
    const { scheduler } = createTestScheduler();
    await scheduler.addJob({ id: 'every-second', schedule: { every: '1s' }, target: { handler: 'x' } });
    expect(await scheduler.nextRuns('every-second', 1000)).toHaveLength(1000);
  });

  it.each<[string, (s: ReturnType<typeof createTestScheduler>['scheduler']) => Promise<unknown>]>([
    ['listJobs(null)', (s) => s.listJobs(null as never)],
    ['listJobs({ after: null-prototype object })', (s) => s.listJobs({ after: Object.create(null) })],
    ['listJobs({ limit: "10" })', (s) => s.listJobs({ limit: '10' as never })],
    ['listRuns(id, null)', (s) => s.listRuns('every-second', null as never)],
    ['listRuns(id, { status: "done" })', (s) => s.listRuns('every-second', { status: 'done' as never })],
  ])('%s is ERR_INVALID_OPTION, not a TypeError', async (_name, call) => {
    const { scheduler } = createTestScheduler();
    await scheduler.addJob({ id: 'every-second', schedule: { every: '1s' }, target: { handler: 'x' } });
    const result = await runCase<unknown>(() => call(scheduler));
    expect(result.ok).toBe(false);
    if (!result.ok) expectCleanRejection(result.error, CronhookError, ['ERR_INVALID_OPTION']);
  });

  it('rotateSecret(id, null) is ERR_INVALID_OPTION and keeps the secret', async () => {
    const storage = new MemoryStorage();
    const notifier = new WebhookNotifier({ storage, transport: new MockTransport() });
    const { endpoint } = await notifier.addEndpoint({ url: 'https://example.com/hook' });
    const before = await storage.getEndpoint(endpoint.id);
    const result = await runCase<unknown>(() => notifier.rotateSecret(endpoint.id, null as never));
    expect(result.ok).toBe(false);
    if (!result.ok) expectCleanRejection(result.error, CronhookError, ['ERR_INVALID_OPTION']);
    expect(await storage.getEndpoint(endpoint.id)).toEqual(before);
  });
});

describe('query fuzz on a random seed (fast-check prints the seed of any failure)', () => {
  it('nextRuns, listJobs and listRuns work or throw a coded CronhookError', async () => {
    await fc.assert(
      fc.asyncProperty(count, listOptions, async (n, options) => {
        const { scheduler } = createTestScheduler();
        await scheduler.addJob({ id: 'every-second', schedule: { every: '1s' }, target: { handler: 'x' } });
        for (const call of [
          () => scheduler.nextRuns('every-second', n as number),
          () => scheduler.listJobs(options as never),
          () => scheduler.listRuns('every-second', options as never),
        ]) {
          const result = await runCase<unknown>(call);
          if (!result.ok) expectCleanRejection(result.error, CronhookError, CODES);
        }
      }),
      { numRuns: 100 },
    );
  });
});
