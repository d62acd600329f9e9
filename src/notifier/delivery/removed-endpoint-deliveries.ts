import type { Logger } from '../../scheduler/types.js';
import type { Storage } from '../../storage/types.js';
import type { DeliveryRecord } from '../types.js';

/**
 * Whether a write for a delivery leased to this instance that found it gone (ERR_DELIVERY_NOT_FOUND: an
 * automatic attempt's outcome, a release, a hand-back) met its endpoint's removal. `removeEndpoint` deletes
 * the endpoint's pending deliveries, those leased to an instance (in flight or claimed ahead) included, and
 * retention deletes finished ones only: so with the endpoint gone too, the removal the app asked for cut the
 * work short, which is no error to tell it about (see {@link logDropped}). False when the endpoint is still
 * there, or could not be read: the error is then reported as it came. Never throws.
 */
export async function removedWithEndpoint(storage: Storage, delivery: DeliveryRecord): Promise<boolean> {
  try {
    return (await storage.getEndpoint(delivery.endpointId)) === null;
  } catch {
    // The read's own failure says nothing about the delivery: the error reported is the attempt's.
    return false;
  }
}

/** The log line of a delivery dropped with its removed endpoint: debug, not an error. */
export function logDropped(logger: Logger | undefined, delivery: DeliveryRecord): void {
  logger?.debug?.('cronhook: webhook delivery dropped with its removed endpoint', {
    deliveryId: delivery.id,
    endpointId: delivery.endpointId,
  });
}
