import type { DeliveryRecord } from '../../../notifier/types.js';
import { cloneDelivery } from '../../clone.js';
import type { ListDeliveriesOptions } from '../../types.js';

const byNewestDelivery = (a: DeliveryRecord, b: DeliveryRecord) =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * `listDeliveries` over every stored delivery record: the filters, newest first, the page after the
 * `before` cursor, as copies. `jobOf` gives the job of a message (`Message.jobId`).
 */
export function listDeliveries(
  records: Iterable<DeliveryRecord>,
  options: ListDeliveriesOptions,
  jobOf: (messageId: string) => string | null | undefined,
): DeliveryRecord[] {
  const { before, since, until } = options;
  return [...records]
    .filter(
      (d) =>
        (options.endpointId === undefined || d.endpointId === options.endpointId) &&
        (options.messageId === undefined || d.messageId === options.messageId) &&
        (options.status === undefined || d.status === options.status) &&
        (options.topic === undefined || d.topic === options.topic) &&
        (options.jobId === undefined || jobOf(d.messageId) === options.jobId) &&
        (since === undefined || d.createdAt.getTime() >= since.getTime()) &&
        (until === undefined || d.createdAt.getTime() < until.getTime()) &&
        (before === undefined ||
          d.createdAt.getTime() < before.createdAt.getTime() ||
          (d.createdAt.getTime() === before.createdAt.getTime() && d.id < before.id)),
    )
    .sort(byNewestDelivery)
    .slice(0, options.limit ?? 50)
    .map(cloneDelivery);
}
