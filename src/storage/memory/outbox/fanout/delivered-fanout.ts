import { fanoutDeliveryId } from '../../../../notifier/ids.js';
import type { DeliveryAttempt, DeliveryRecord, Message } from '../../../../notifier/types.js';

/**
 * A fanned-out delivery that succeeded at its first attempt, as its fan-out's group keeps it: one object with
 * what differs between such deliveries; the rest follows from its message, its place in the group and
 * success. Most stored deliveries end so, and the delivery log keeps them all: the record, its entry and its
 * attempt (7 objects, ~490 bytes) were what garbage collection copied and marked for each, while at 50
 * endpoints they are all made during the delivering. This keeps ~160 bytes in 3 objects (with the attempt's
 * id and duration); its delivery's id is derived again when read.
 */
export class DeliveredFanout {
  constructor(
    readonly message: Message,
    readonly endpointId: string,
    readonly attemptId: string,
    /** Shared with attempts of the same millisecond, and the record's `lastAttemptAt`. */
    readonly startedAt: Date,
    readonly durationMs: number,
    readonly statusCode: number | null,
    readonly responseHeaders: Record<string, string>,
    readonly responseSnippet: string | null,
    /** The record's `updatedAt` after `startedAt`, in milliseconds (a small integer, kept without an object). */
    readonly updatedAfterMs: number,
  ) {}

  /** The stored record alone (a listing reads no attempt). */
  record(index: number): DeliveryRecord {
    const id = fanoutDeliveryId(this.message.id, index);
    const startedAt = this.startedAt;
    const updatedAt =
      this.updatedAfterMs === 0 ? startedAt : new Date(startedAt.getTime() + this.updatedAfterMs);
    return {
      id,
      messageId: this.message.id,
      endpointId: this.endpointId,
      topic: this.message.topic,
      status: 'succeeded',
      attempts: 1,
      nextAttemptAt: null,
      lastAttemptAt: startedAt,
      lastStatusCode: this.statusCode,
      lastError: null,
      createdAt: this.message.createdAt,
      updatedAt,
      lockedBy: null,
      lockedUntil: null,
    };
  }

  /** The stored record and attempt, as the delivery's entry held them (shared dates and headers included). */
  expand(index: number): { record: DeliveryRecord; attempt: DeliveryAttempt } {
    const record = this.record(index);
    const startedAt = this.startedAt;
    return {
      record,
      attempt: {
        id: this.attemptId,
        deliveryId: record.id,
        attempt: 1,
        trigger: 'auto',
        startedAt,
        durationMs: this.durationMs,
        statusCode: this.statusCode,
        error: null,
        responseHeaders: this.responseHeaders,
        responseSnippet: this.responseSnippet,
      },
    };
  }
}

/**
 * The compact form of a stored fanned-out delivery (of `message`) when `delivery`, its state after its first
 * `attempt`, is what {@link DeliveredFanout.expand} gives back; else null, and the delivery is stored whole.
 * `startedAt` and `responseHeaders` are the attempt's as stored (shared with others alike).
 */
export function deliveredFanout(
  message: Message,
  delivery: DeliveryRecord,
  attempt: DeliveryAttempt,
  startedAt: Date,
  responseHeaders: Record<string, string>,
): DeliveredFanout | null {
  const updatedAfterMs = delivery.updatedAt.getTime() - startedAt.getTime();
  if (
    delivery.status !== 'succeeded' ||
    delivery.attempts !== 1 ||
    attempt.attempt !== 1 ||
    attempt.trigger !== 'auto' ||
    attempt.error !== null ||
    delivery.lastError !== null ||
    delivery.nextAttemptAt !== null ||
    delivery.lastAttemptAt?.getTime() !== startedAt.getTime() ||
    delivery.lastStatusCode !== attempt.statusCode ||
    delivery.messageId !== message.id ||
    delivery.topic !== message.topic ||
    delivery.createdAt.getTime() !== message.createdAt.getTime() ||
    attempt.deliveryId !== delivery.id ||
    // Small and whole: kept as an integer, without an object of its own.
    !(updatedAfterMs >= 0 && updatedAfterMs <= 0x3fffffff && Number.isInteger(updatedAfterMs))
  )
    return null;
  return new DeliveredFanout(
    message,
    delivery.endpointId,
    attempt.id,
    startedAt,
    attempt.durationMs,
    attempt.statusCode,
    responseHeaders,
    attempt.responseSnippet,
    updatedAfterMs,
  );
}
