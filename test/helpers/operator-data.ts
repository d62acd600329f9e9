/**
 * Data and queries for the plan tests of the dashboard's reads (test/storage/{sqlite,postgres}/plans.test.ts):
 * tables large enough that a planner should prefer an index, shaped like a live database (2% of jobs paused,
 * 1% of runs failed, most deliveries delivered, a few failed or waiting).
 */
import type { Storage } from '../../src/storage/types.js';
import {
  at,
  delivery,
  endpoint,
  message,
  minimalJob,
  run,
} from '../../src/testing/storage-suite/fixtures.js';

export async function seedOperatorData(storage: Storage, rows: number): Promise<void> {
  await Promise.all(
    Array.from({ length: rows }, (_, i) => storage.insertJob(minimalJob(`j${i}`, { enabled: i % 50 !== 0 }))),
  );
  await Promise.all(
    Array.from({ length: rows * 2 }, (_, i) =>
      storage.insertRun(
        run(`r${i}`, `j${i % rows}`, {
          scheduledAt: at(-i * 60_000),
          status: i % 97 === 0 ? 'failed' : 'succeeded',
          occurrenceKey: `k${i}`,
        }),
      ),
    ),
  );
  await storage.insertEndpoint(endpoint('ep', { topics: ['*'] }));
  await storage.insertEndpoint(endpoint('ep2', { topics: ['*'] }));
  await Promise.all(
    Array.from({ length: rows * 2 }, (_, i) =>
      storage.insertMessage({
        message: message(`m${i}`, { jobId: `j${i % rows}`, createdAt: at(-i * 1000) }),
        deliveries: [
          delivery(`d${i}`, `m${i}`, i % 2 ? 'ep' : 'ep2', {
            createdAt: at(-i * 1000),
            status: i % 53 === 0 ? 'failed' : i % 41 === 0 ? 'pending' : 'succeeded',
          }),
        ],
      }),
    ),
  );
}

/** What the dashboard's pages and telemetry's gauges ask of storage. */
export async function runOperatorQueries(storage: Storage): Promise<void> {
  await storage.stats!({ now: at(0) });
  await storage.listDeliveries({ status: 'failed', limit: 51 });
  await storage.listDeliveries({ jobId: 'j7', limit: 51 });
  await storage.listDeliveries({ endpointId: 'ep', status: 'failed', limit: 51 });
  await storage.listDeliveries({ before: { createdAt: at(-3_000_000), id: 'd3000' }, limit: 51 });
  // A time window, alone and with the status, endpoint and job filters.
  const window = { since: at(-4_000_000), until: at(-1_000_000) };
  await storage.listDeliveries({ ...window, limit: 51 });
  await storage.listDeliveries({ ...window, status: 'failed', limit: 51 });
  await storage.listDeliveries({ ...window, endpointId: 'ep', limit: 51 });
  await storage.listDeliveries({ ...window, jobId: 'j7', limit: 51 });
  await storage.listRuns({ jobId: 'j7', limit: 51 });
  await storage.listRuns({ statuses: ['failed'], limit: 8 });
  await storage.listJobs({ enabled: false, limit: 51 });
  await storage.listJobs({ after: 'j5', limit: 51 });
  await storage.listFailingJobs!({ limit: 51 });
  await storage.listFailingJobs!({ after: 'j5', limit: 51 });
  await storage.latestRuns!(Array.from({ length: 50 }, (_, i) => `j${i * 7}`));
}
