/**
 * Fuzzes `notifier.addEndpoint` and `notifier.updateEndpoint` with hostile endpoint definitions, against
 * MemoryStorage and a real SQLite database: each call stores an endpoint or throws a CronhookError with a
 * documented code, never hangs, never returns a secret, and a rejected call leaves stored endpoints as they were.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../src/errors.js';
import type { EndpointInput, EndpointPatch, EndpointRecord } from '../../src/notifier/types.js';
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import type { Storage } from '../../src/storage/types.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { MockTransport } from '../../src/testing/mock-transport.js';
import { endpointInput, endpointPatch, FUZZ_SEED } from '../helpers/arbitraries.js';
import { useFuzzStorages } from '../helpers/fuzz-storages.js';
import { expectCleanRejection, runCase } from './outcome.js';

const ADD_CODES = ['ERR_INVALID_ENDPOINT'];
const UPDATE_CODES = ['ERR_INVALID_ENDPOINT', 'ERR_ENDPOINT_NOT_FOUND'];
const AUTHORIZATION = 'Bearer s3cr3t-t0ken';

const storages = useFuzzStorages();

/** A notifier holding two endpoints, one with an authorization value and extra headers. */
async function seeded(createStorage: () => Promise<Storage>) {
  const clock = new FakeClock('2026-01-01T00:00:00Z');
  const storage = await createStorage();
  const notifier = new WebhookNotifier({ storage, clock, transport: new MockTransport([], { clock }) });
  const first = await notifier.addEndpoint({ url: 'https://example.com/a', topics: ['job.*'] });
  const second = await notifier.addEndpoint({
    url: 'https://example.com/b',
    authorization: AUTHORIZATION,
    headers: { 'x-api-key': 'k-123456' },
    match: { metadata: { tenant: 'acme' } },
  });
  return {
    notifier,
    storage,
    ids: [first.endpoint.id, second.endpoint.id],
    secrets: [first.secret, second.secret],
  };
}

/** Every stored endpoint, secrets included: what a rejected call must leave alone. */
async function snapshot(storage: Storage): Promise<EndpointRecord[]> {
  return storage.listEndpoints({ limit: 1000 });
}

/** What callers see of an endpoint never holds a secret, an authorization value or header values. */
function expectNoSecrets(visible: unknown, records: EndpointRecord[]): void {
  const text = JSON.stringify(visible);
  for (const record of records) {
    for (const { secret } of record.secrets) expect(text).not.toContain(secret);
    if (record.authorization !== null && record.authorization.length >= 8)
      expect(text).not.toContain(record.authorization);
  }
  expect(text).not.toContain('k-123456');
}

describe.each(storages)('addEndpoint / updateEndpoint fuzz on %s', (_name, createStorage, numRuns) => {
  it('addEndpoint stores an endpoint or throws a coded CronhookError, leaving stored ones untouched', async () => {
    const seen = { accepted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(endpointInput(), async (input) => {
        const { notifier, storage } = await seeded(createStorage);
        const before = await snapshot(storage);
        const result = await runCase(() => notifier.addEndpoint(input as EndpointInput));
        const after = await snapshot(storage);
        seen[result.ok ? 'accepted' : 'rejected']++;
        if (!result.ok) {
          expectCleanRejection(result.error, CronhookError, ADD_CODES);
          expect(after).toEqual(before);
          expectNoSecrets(result.error instanceof Error ? result.error.message : result.error, after);
          return;
        }
        const { endpoint } = result.value;
        expect(after.filter((e) => e.id !== endpoint.id)).toEqual(before);
        expect(after).toHaveLength(before.length + 1);
        expect(await notifier.getEndpoint(endpoint.id)).toEqual(endpoint);
        expectNoSecrets([endpoint, await notifier.listEndpoints()], after);
        const again = await runCase(() => notifier.updateEndpoint(endpoint.id, {}));
        if (!again.ok) throw new Error(`a stored endpoint no longer validates: ${String(again.error)}`);
      }),
      { seed: FUZZ_SEED, numRuns },
    );
    // The generator reaches both outcomes, so the deep checks and the storing path are both exercised.
    expect(seen.accepted).toBeGreaterThan(numRuns / 5);
    expect(seen.rejected).toBeGreaterThan(numRuns / 5);
  });

  it('updateEndpoint changes one endpoint or throws a coded CronhookError, leaving stored ones untouched', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(3), endpointPatch(), async (pick, patch) => {
        const { notifier, storage, ids } = await seeded(createStorage);
        const id = [...ids, 'ep_missing', ''][pick]!;
        const before = await snapshot(storage);
        const result = await runCase(() => notifier.updateEndpoint(id, patch as EndpointPatch));
        const after = await snapshot(storage);
        if (!result.ok) {
          expectCleanRejection(result.error, CronhookError, UPDATE_CODES);
          expect(after).toEqual(before);
          expectNoSecrets(result.error instanceof Error ? result.error.message : result.error, after);
          return;
        }
        expect(result.value.id).toBe(id);
        expect(after.filter((e) => e.id !== id)).toEqual(before.filter((e) => e.id !== id));
        // Secrets change only through rotateSecret.
        expect(after.find((e) => e.id === id)!.secrets).toEqual(before.find((e) => e.id === id)!.secrets);
        expectNoSecrets(result.value, after);
      }),
      { seed: FUZZ_SEED, numRuns },
    );
  });
});

/** Inputs the fuzzer found that once were stored differently from what was returned. */
describe.each(storages)('regressions found by fuzzing on %s', (_name, createStorage) => {
  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'rejects the match value %s (a database would store it as null, matching other jobs)',
    async (value) => {
      const { notifier, storage } = await seeded(createStorage);
      const before = await snapshot(storage);
      const result = await runCase(() =>
        notifier.addEndpoint({ url: 'https://example.com', match: { metadata: { a: value } } }),
      );
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expectCleanRejection(result.error, CronhookError, ADD_CODES);
      expect((result.error as CronhookError).field).toBe('match.metadata.a');
      expect(await snapshot(storage)).toEqual(before);
    },
  );

  it('stores a -0 match value as the 0 it reads back', async () => {
    const { notifier } = await seeded(createStorage);
    const { endpoint } = await notifier.addEndpoint({
      url: 'https://example.com',
      match: { metadata: { a: -0 } },
    });
    expect(Object.is(endpoint.match?.metadata?.a, 0)).toBe(true);
    expect(await notifier.getEndpoint(endpoint.id)).toEqual(endpoint);
  });
});

describe('addEndpoint fuzz on a random seed (fast-check prints the seed of any failure)', () => {
  it('stores an endpoint or throws a coded CronhookError', async () => {
    await fc.assert(
      fc.asyncProperty(endpointInput(), async (input) => {
        const { notifier, storage } = await seeded(async () => new MemoryStorage());
        const before = await snapshot(storage);
        const result = await runCase(() => notifier.addEndpoint(input as EndpointInput));
        if (!result.ok) {
          expectCleanRejection(result.error, CronhookError, ADD_CODES);
          expect(await snapshot(storage)).toEqual(before);
        }
      }),
      { numRuns: 100 },
    );
  });
});
