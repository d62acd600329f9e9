import { describe } from 'vitest';
import type { Storage } from '../../storage/types.js';
import { concurrentWriteTests } from './concurrent-writes.js';
import { conditionalWriteTests } from './conditional-writes.js';
import { type StorageFactory, type StorageSuiteOptions, useStorage } from './context.js';
import { encryptedSecretTests } from './encrypted-secrets.js';
import { jobClaimUpdateTests } from './jobs/claim-updates.js';
import { jobClaimTests } from './jobs/claims.js';
import { fencedRunWriteTests } from './jobs/fenced-run-writes.js';
import { jobTests } from './jobs/jobs.js';
import { jobPeekTests } from './jobs/peek.js';
import { runRequestTests } from './jobs/run-requests.js';
import { runWriteNowTests } from './jobs/run-writes-now.js';
import { runTests } from './jobs/runs.js';
import { attemptOutcomeTests } from './outbox/attempt-outcomes.js';
import { attemptWriteNowTests } from './outbox/attempt-writes-now.js';
import { deliveryClaimTests } from './outbox/claims.js';
import { outboxTests } from './outbox/deliveries.js';
import { endpointTests } from './outbox/endpoints.js';
import { fanoutReadTests } from './outbox/fanout.js';
import { fanoutBacklogTests } from './outbox/fanout-backlog.js';
import { fanoutClaimTests } from './outbox/fanout-claims.js';
import { fanoutDeliveredTests } from './outbox/fanout-delivered.js';
import { endpointPeekTests } from './outbox/peek.js';
import { deliveryRetentionTests } from './outbox/retention.js';
import { fanoutRetentionTests } from './outbox/retention-fanout.js';
import { migrateTests, readinessTests } from './readiness.js';
import { statsTests } from './stats.js';

export type { StorageFactory, StorageSuiteOptions } from './context.js';

/**
 * Registers, inside a vitest `describe(name)`, the tests every {@link Storage} adapter must pass: round trips
 * of every field, ordering and paging, claims that hand each item to one caller even under concurrency,
 * lease expiry, the (jobId, occurrenceKey) uniqueness and the fenced run writes behind exactly-once runs,
 * retention, the outbox, migrations, and holding secrets as ciphertext under `EncryptedStorage` (round trips,
 * rotation, re-encryption). Call it once per adapter from a `*.test.ts` file; it needs `vitest`. Tests of optional
 * methods (`peekJob`, `pruneDeliveries`, `ready`, `replaceJob`, `replaceEndpoint`, `claimRunRequests`, `stats`,
 * `latestRuns`, `insertFanout`, `insertRunNow`, `updateRunNow`, `pruneRunsNow`, `completeAttemptNow`) are
 * reported as skipped for an adapter that lacks them, and so are the tests
 * that need a second instance on the same store when `options.reopen` is not given.
 *
 * `factory` returns a fresh, empty storage each time it is called (it may be async, and may have migrated
 * already: the suite calls `migrate()` itself, except in the tests of `ready`, which use one as it comes). After
 * each test the suite calls `options.cleanup` and then `close()` for every storage the factory made.
 *
 * @example
 * // test/my-storage.test.ts
 * import { testStorage } from 'cronhook/testing/storage';
 * import { MyStorage } from '../src/my-storage.js';
 *
 * testStorage('MyStorage', () => new MyStorage({ url: process.env.MY_DB_URL }), {
 *   cleanup: (storage) => (storage as MyStorage).dropEverything(),
 * });
 */
export function testStorage(name: string, factory: StorageFactory, options: StorageSuiteOptions = {}): void {
  describe(name, () => {
    const ctx = useStorage(factory, options);
    jobTests(ctx);
    jobClaimTests(ctx);
    jobClaimUpdateTests(ctx);
    jobPeekTests(ctx);
    runTests(ctx);
    fencedRunWriteTests(ctx);
    runWriteNowTests(ctx);
    runRequestTests(ctx);
    endpointTests(ctx);
    endpointPeekTests(ctx);
    outboxTests(ctx);
    attemptOutcomeTests(ctx);
    deliveryClaimTests(ctx);
    attemptWriteNowTests(ctx);
    deliveryRetentionTests(ctx);
    fanoutRetentionTests(ctx);
    fanoutReadTests(ctx);
    fanoutClaimTests(ctx);
    fanoutDeliveredTests(ctx);
    fanoutBacklogTests(ctx);
    concurrentWriteTests(ctx);
    conditionalWriteTests(ctx);
    migrateTests(ctx);
    readinessTests(ctx);
    encryptedSecretTests(ctx);
    statsTests(ctx);
  });
}
