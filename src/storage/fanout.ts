import { fanoutDeliveryId } from '../notifier/ids.js';
import type { DeliveryRecord, Message } from '../notifier/types.js';

/**
 * The deliveries a message fanned out to `endpointIds` has, in that order: what `Storage.insertFanout` stores
 * and what the notifier stores with `insertMessage` when the adapter has no `insertFanout`. Ids are derived
 * from the message's ({@link fanoutDeliveryId}); created and updated when the message was; `pending`, first
 * due at `nextAttemptAt` (null: not to be claimed, its sender sends it directly, as ping does).
 *
 * @example
 * // An adapter writing a stored fan-out's delivery records when it first needs them:
 * const records = fanoutDeliveries(message, endpointIds, nextAttemptAt);
 */
export function fanoutDeliveries(
  message: Message,
  endpointIds: readonly string[],
  nextAttemptAt: Date | null,
): DeliveryRecord[] {
  const records: DeliveryRecord[] = new Array(endpointIds.length);
  for (let i = 0; i < endpointIds.length; i++) {
    records[i] = fanoutDelivery(message, endpointIds[i]!, fanoutDeliveryId(message.id, i), nextAttemptAt);
  }
  return records;
}

/** One delivery of a fan-out, as {@link fanoutDeliveries} makes each: `id` is its {@link fanoutDeliveryId}. */
export function fanoutDelivery(
  message: Message,
  endpointId: string,
  id: string,
  nextAttemptAt: Date | null,
): DeliveryRecord {
  return {
    id,
    messageId: message.id,
    endpointId,
    topic: message.topic,
    status: 'pending',
    attempts: 0,
    nextAttemptAt,
    lastAttemptAt: null,
    lastStatusCode: null,
    lastError: null,
    createdAt: message.createdAt,
    updatedAt: message.createdAt,
    lockedBy: null,
    lockedUntil: null,
  };
}
