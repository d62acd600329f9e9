/** What every adapter's `stats()` shares: the time windows and the empty shape of run counts. */
import { RUN_STATUSES, type RunStatus } from '../scheduler/types.js';
import type { StorageStats } from './types.js';

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
