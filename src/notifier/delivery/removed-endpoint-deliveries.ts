import type { Logger } from '../../scheduler/types.js';
import type { Storage } from '../../storage/types.js';
import type { DeliveryRecord } from '../types.js';

/**
 * What becomes of an automatic attempt whose outcome found its delivery gone (ERR_DELIVERY_NOT_FOUND).
 * `removeEndpoint` deletes the endpoint's pending deliveries, those leased to an instance (in flight or claimed
 * ahead) included, and retention deletes finished ones only: so with the endpoint gone too, the removal the app
 * asked for cut the attempt short, which is no error to tell it about, only a debug log line. Else (the
 * endpoint still there, or it could not be read) `report` gets the error as it came.
 */
export async function droppedWithEndpoint(
  storage: Storage,
  logger: Logger | undefined,
  delivery: DeliveryRecord,
  error: unknown,
  report: (error: unknown) => void,
): Promise<void> {
  let removed = false;
  try {
    removed = (await storage.getEndpoint(delivery.endpointId)) === null;
  } catch {
    // The read's own failure says nothing about the delivery: the error reported is the attempt's.
  }
  if (!removed) {
    report(error);
    return;
  }
  logger?.debug?.('cronhook: webhook delivery dropped with its removed endpoint', {
    deliveryId: delivery.id,
    endpointId: delivery.endpointId,
  });
}
