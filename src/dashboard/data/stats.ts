import type { RunStatus, Storage } from '../../index.js';

/** Counts shown on the overview (the shape of the optional `Storage.stats()`). */
export interface DashboardStats {
  jobs: { total: number; active: number; paused: number; failing: number | null };
  runs: { lastHour: Record<RunStatus, number>; lastDay: Record<RunStatus, number> } | null;
  endpoints: {
    total: number;
    enabled: number;
    failing: number;
    disabled: { manual: number; gone: number; failing: number };
  };
  deliveries: { pending: number; failed: number; oldestPendingAt: Date | null };
  /** True when a count stopped at the cap of a storage without `stats()` (shown as "10,000+"). */
  capped: boolean;
}

const CAP = 10_000;

/**
 * The overview's counts: from `storage.stats()` when the adapter has it (one indexed query per table), else
 * by reading lists up to a cap, so a custom adapter still gets a useful, bounded overview.
 */
export async function loadStats(storage: Storage, now: Date): Promise<DashboardStats> {
  if (typeof storage.stats === 'function') return { ...(await storage.stats({ now })), capped: false };
  let capped = false;
  const jobs = { total: 0, active: 0, paused: 0, failing: null };
  for (let after: string | undefined; ; ) {
    const rows = await storage.listJobs({ limit: 500, ...(after ? { after } : {}) });
    for (const job of rows) {
      jobs.total++;
      if (job.enabled) jobs.active++;
      else jobs.paused++;
    }
    after = rows.at(-1)?.id;
    if (rows.length < 500 || !after) break;
    if (jobs.total >= CAP) {
      capped = true;
      break;
    }
  }
  const endpoints = { total: 0, enabled: 0, failing: 0, disabled: { manual: 0, gone: 0, failing: 0 } };
  for (let after: string | undefined; ; ) {
    const rows = await storage.listEndpoints({ limit: 500, ...(after ? { after } : {}) });
    for (const e of rows) {
      endpoints.total++;
      if (e.enabled) endpoints.enabled++;
      else endpoints.disabled[e.disabledReason ?? 'manual']++;
      if (e.failingSince) endpoints.failing++;
    }
    after = rows.at(-1)?.id;
    if (rows.length < 500 || !after || endpoints.total >= CAP) break;
  }
  const count = async (status: 'pending' | 'failed') => {
    const rows = await storage.listDeliveries({ status, limit: CAP + 1 });
    if (rows.length > CAP) capped = true;
    return { count: Math.min(rows.length, CAP), oldest: rows.at(-1)?.createdAt ?? null };
  };
  const [pending, failed] = await Promise.all([count('pending'), count('failed')]);
  return {
    jobs,
    runs: null,
    endpoints,
    deliveries: { pending: pending.count, failed: failed.count, oldestPendingAt: pending.oldest },
    capped,
  };
}

/**
 * The overview's counts, shared by every viewer and kept for `maxAgeMs`: counting a busy day's runs reads
 * hundreds of thousands of index entries, which no page view should pay for. Older than that (up to
 * `maxStaleMs`) they are still shown while one recount runs in the background; older still, the page waits
 * for the recount. Concurrent viewers share one recount.
 */
export class StatsCache {
  readonly #storage: Storage;
  readonly #maxAgeMs: number;
  readonly #maxStaleMs: number;
  #value: { stats: DashboardStats; at: number } | null = null;
  #pending: Promise<{ stats: DashboardStats; at: number }> | null = null;

  constructor(storage: Storage, maxAgeMs: number, maxStaleMs = Math.max(60_000, maxAgeMs * 10)) {
    this.#storage = storage;
    this.#maxAgeMs = maxAgeMs;
    this.#maxStaleMs = maxStaleMs;
  }

  /** The counts and when they were taken. */
  async get(now: Date): Promise<{ stats: DashboardStats; at: Date }> {
    const value = this.#value;
    const age = value ? now.getTime() - value.at : Number.POSITIVE_INFINITY;
    if (value && age >= 0 && age < this.#maxAgeMs) return { stats: value.stats, at: new Date(value.at) };
    if (value && age >= 0 && age < this.#maxStaleMs) {
      // A failed background recount keeps the last counts; the next view tries again.
      this.#recount(now).catch(() => undefined);
      return { stats: value.stats, at: new Date(value.at) };
    }
    const fresh = await this.#recount(now);
    return { stats: fresh.stats, at: new Date(fresh.at) };
  }

  #recount(now: Date): Promise<{ stats: DashboardStats; at: number }> {
    this.#pending ??= loadStats(this.#storage, now)
      .then((stats) => {
        this.#value = { stats, at: now.getTime() };
        return this.#value;
      })
      .finally(() => {
        this.#pending = null;
      });
    return this.#pending;
  }
}
