import type { Storage } from '../../src/storage/types.js';

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
