import type { StorageStats } from '../../../types.js';
import type { DeliveryEntry } from '../delivery-entry.js';
import type { MemoryFanouts } from '../fanout/fanouts.js';

/**
 * The delivery counts of `stats()` over `whole`, the stored deliveries not kept compact once delivered (those
 * succeeded: they count in neither), and the deliveries pending fan-outs have not handed out yet, counted
 * where they are (pending, created with their message) rather than made into records for it.
 */
export function deliveryCounts(
  whole: Iterable<DeliveryEntry>,
  fanouts: MemoryFanouts,
): StorageStats['deliveries'] {
  let pending = 0;
  let failed = 0;
  let oldest: number | null = null;
  for (const { record: d } of whole) {
    if (d.status === 'failed') failed++;
    if (d.status !== 'pending') continue;
    pending++;
    const t = d.createdAt.getTime();
    if (oldest === null || t < oldest) oldest = t;
  }
  for (const fanout of fanouts.values()) {
    const count = fanouts.untakenCount(fanout);
    if (count === 0) continue;
    pending += count;
    const t = fanout.message.createdAt.getTime();
    if (oldest === null || t < oldest) oldest = t;
  }
  return { pending, failed, oldestPendingAt: oldest === null ? null : new Date(oldest) };
}
