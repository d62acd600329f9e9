/**
 * `cronhook/testing/storage`: the conformance suite every storage adapter passes. It registers vitest tests,
 * so it needs `vitest` (an optional peer dependency).
 *
 * @example
 * import { testStorage } from 'cronhook/testing/storage';
 * testStorage('MyStorage', () => new MyStorage({ url: process.env.TEST_DB_URL }));
 */
export type { StorageFactory, StorageSuiteOptions } from './storage-suite/index.js';
export { testStorage } from './storage-suite/index.js';
