import type { JobStorage } from './job-storage.js';
import type { OutboxStorage } from './outbox-storage.js';
import type { StatsInput, StorageStats } from './stats.js';

// The records and inputs of the contract's two sides, and what stats() counts (defined with what the
// adapters share to count it), are importable from here as from their own files.
export type * from './job-types.js';
export type * from './outbox-types.js';
export type { StatsInput, StorageStats } from './stats.js';

export type StorageChange = 'jobs' | 'deliveries';

/**
 * Everything cronhook keeps. One interface serves the Scheduler and the WebhookNotifier; every adapter passes
 * `testStorage()` from `cronhook/testing/storage`. Writes resolve only once committed. Dates are `Date` objects with
 * millisecond precision. Claim operations are atomic: an item is returned to exactly one caller until its
 * lease (`leaseMs`) expires. The scheduler's methods are declared in `JobStorage` (job-storage.ts), the
 * notifier's in `OutboxStorage` (outbox-storage.ts).
 */
export interface Storage extends JobStorage, OutboxStorage {
  /**
   * Creates or upgrades the schema; safe to call from several instances at once, and a no-op when the
   * schema is current. Rejects with `ERR_SCHEMA_TOO_NEW`, changing nothing, when a newer cronhook has
   * migrated the database past what this version knows.
   */
  migrate(): Promise<void>;
  /**
   * Resolves once the storage can be used. An adapter that has it prepares itself on first use: its other
   * methods wait for the same step, taken once however many callers come at once, so nobody has to call
   * `migrate()` first. The built-in adapters migrate there (safe across instances, as `migrate()`), or, when the
   * app turned that off (`autoMigrate: false`), only check the schema: then it and every method reject with
   * `ERR_SCHEMA_OUTDATED`, which says to run `migrate()`, until someone has. A failure is not kept: the next
   * call tries again. Optional: the scheduler's and notifier's `start()` call it when present, else `migrate()`.
   */
  ready?(): Promise<void>;
  /** Releases connections. Optional: memory storage has none. */
  close?(): Promise<void>;
  /**
   * Change notification across instances (e.g. Postgres LISTEN/NOTIFY). Optional: without it the scheduler
   * and notifier poll. Returns an unsubscribe function.
   */
  subscribe?(listener: (change: StorageChange) => void): Promise<() => void>;
  /** True when other processes may share this storage (the scheduler then polls for their changes). */
  readonly shared?: boolean;

  /**
   * Counts of jobs, recent runs, endpoints and deliveries, for the dashboard's overview and telemetry gauges.
   * Each count reads an index, so it stays fast with large tables. Optional: without it the dashboard counts
   * from lists, up to a cap.
   */
  stats?(input: StatsInput): Promise<StorageStats>;
}
