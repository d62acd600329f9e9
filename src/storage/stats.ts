/**
 * `Storage.stats()`: what it counts (`StorageStats`), and what every adapter's implementation shares: the time
 * windows, the empty shape of run counts, the endpoint counts.
 */
import { RUN_STATUSES, type RunStatus } from '../scheduler/types.js';

/** What {@link Storage.stats} counts at. */
export interface StatsInput {
  now: Date;
}

/**
 * Counts for an overview page and for gauges, each from an index (see {@link Storage.stats}).
 *
 * @example
 * const { deliveries } = await storage.stats!({ now: new Date() });
 * gauge.record(deliveries.pending);
 */
export interface StorageStats {
  jobs: {
    total: number;
    /** Enabled jobs. */
    active: number;
    /** Disabled jobs (`pauseJob`, or one-off jobs that have run). */
    paused: number;
    /** Enabled jobs whose newest finished run failed: those {@link Storage.listFailingJobs} lists. */
    failing: number;
  };
  /** Runs scheduled in (now − 1 h, now] and (now − 24 h, now], by status; every status present. */
  runs: { lastHour: Record<RunStatus, number>; lastDay: Record<RunStatus, number> };
  endpoints: {
    total: number;
    enabled: number;
    /** Enabled endpoints in a streak of failed attempts (`failingSince` set). */
    failing: number;
    /** Disabled endpoints by reason. */
    disabled: { manual: number; gone: number; failing: number };
  };
  deliveries: {
    pending: number;
    failed: number;
    /** `createdAt` of the oldest pending delivery, or null when none is pending. */
    oldestPendingAt: Date | null;
  };
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Every status at 0. */
export function emptyRunCounts(): Record<RunStatus, number> {
  return Object.fromEntries(RUN_STATUSES.map((status) => [status, 0])) as Record<RunStatus, number>;
}

/** The windows, in epoch ms: runs in (hour, now] and (day, now]. */
export function statsWindows(now: Date): { now: number; hour: number; day: number } {
  const t = now.getTime();
  return { now: t, hour: t - HOUR, day: t - DAY };
}

/** Adds a (status, scheduledAt, count) row to the hour and day counts. */
export function countRun(
  runs: StorageStats['runs'],
  windows: ReturnType<typeof statsWindows>,
  status: string,
  scheduledAt: number,
  count = 1,
): void {
  if (!(RUN_STATUSES as readonly string[]).includes(status)) return;
  const s = status as RunStatus;
  if (scheduledAt > windows.day && scheduledAt <= windows.now) runs.lastDay[s] += count;
  if (scheduledAt > windows.hour && scheduledAt <= windows.now) runs.lastHour[s] += count;
}

/** The endpoints part of the stats, from (enabled, disabledReason, failingSince) rows. */
export function countEndpoints(
  rows: Iterable<{ enabled: boolean; disabledReason: string | null; failing: boolean; count?: number }>,
): StorageStats['endpoints'] {
  const out: StorageStats['endpoints'] = {
    total: 0,
    enabled: 0,
    failing: 0,
    disabled: { manual: 0, gone: 0, failing: 0 },
  };
  for (const row of rows) {
    const n = row.count ?? 1;
    out.total += n;
    if (row.enabled) {
      out.enabled += n;
      if (row.failing) out.failing += n;
    } else {
      const reason =
        row.disabledReason === 'gone' || row.disabledReason === 'failing' ? row.disabledReason : 'manual';
      out.disabled[reason] += n;
    }
  }
  return out;
}
