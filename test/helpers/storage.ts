import { newId } from '../../src/notifier/ids.js';
import type { Message } from '../../src/notifier/types.js';
import type { Storage } from '../../src/storage/types.js';
import { message } from '../../src/testing/storage-suite/fixtures.js';

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
