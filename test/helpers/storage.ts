import { expect } from 'vitest';
import { newId } from '../../src/notifier/ids.js';
import type { Message } from '../../src/notifier/types.js';
import type { Storage } from '../../src/storage/types.js';
import { attempt, delivery, message } from '../../src/testing/storage-suite/fixtures.js';

/**
 * `storage` without some of its optional methods, as a custom adapter that lacks them would be: the
 * scheduler and notifier then take their fallback paths.
 * @example const custom = withoutMethods(new MemoryStorage(), 'replaceJob');
 */
export function withoutMethods(storage: Storage, ...methods: Array<keyof Storage>): Storage {
  return new Proxy(storage, {
    get(target, key) {
      if ((methods as PropertyKey[]).includes(key)) return undefined;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * A message for a fan-out created at `createdAt`, with an id minted at that time (ids sort by it, as the
 * notifier's do).
 * @example await storage.insertFanout!({ message: fanoutMessage(at(0)), endpointIds, nextAttemptAt: at(0) });
 */
export const fanoutMessage = (createdAt: Date, overrides: Partial<Message> = {}): Message =>
  message(newId('msg', createdAt.getTime()), { createdAt, ...overrides });

/**
 * Checks that an attempt's three storage calls (its endpoint, its message, its outcome) fail as `ERR_STORAGE`
 * naming their step on `storage`, whose driver fails; `beforeOutcome` breaks what the outcome writes, where
 * breaking the reads did not.
 * @example await expectAttemptStepsFail(closedStorage);
 */
export async function expectAttemptStepsFail(
  storage: Storage,
  beforeOutcome: () => Promise<unknown> = async () => {},
): Promise<void> {
  const failure = (step: string) => ({
    name: 'CronhookError',
    code: 'ERR_STORAGE',
    message: expect.stringContaining(step),
  });
  await expect(storage.getMessage('m')).rejects.toMatchObject(failure('read a message'));
  await expect(storage.getDeliveryEndpoint!('ep')).rejects.toMatchObject(failure('read an endpoint'));
  await beforeOutcome();
  const done = {
    ...delivery('d', 'm', 'ep'),
    status: 'succeeded' as const,
    attempts: 1,
    nextAttemptAt: null,
  };
  await expect(
    storage.completeAttempt({ delivery: done, attempt: attempt('a', 'd', { statusCode: 200, error: null }) }),
  ).rejects.toMatchObject(failure('record a delivery attempt'));
}
