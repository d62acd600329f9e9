import type { DeliveryRecord } from '../types.js';

const due = (d: DeliveryRecord) => d.nextAttemptAt?.getTime() ?? 0;
const byDue = (a: DeliveryRecord, b: DeliveryRecord) =>
  due(a) - due(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function inDueOrder(list: readonly (DeliveryRecord | undefined)[], from: number): boolean {
  for (let i = from + 1; i < list.length; i++) if (byDue(list[i - 1]!, list[i]!) > 0) return false;
  return true;
}

/**
 * `first` (from index `from`) then `then` in due order, as `[...first.slice(from), ...then].sort(byDue)` orders
 * them. Both are usually in due order already (what waits stays in order, and a claim returns the deliveries
 * due first, first): they are then merged, in one pass, instead of sorted again on every claim.
 */
export function mergeByDue(
  first: readonly (DeliveryRecord | undefined)[],
  from: number,
  then: readonly DeliveryRecord[],
): DeliveryRecord[] {
  if (!inDueOrder(first, from) || !inDueOrder(then, 0))
    return [...(first.slice(from) as DeliveryRecord[]), ...then].sort(byDue);
  const out: DeliveryRecord[] = [];
  let i = from;
  let j = 0;
  while (i < first.length && j < then.length)
    out.push(byDue(then[j]!, first[i]!) < 0 ? then[j++]! : first[i++]!);
  while (i < first.length) out.push(first[i++]!);
  while (j < then.length) out.push(then[j++]!);
  return out;
}
