import { CronhookError } from '../../../errors.js';
import { requireEndpointOpened } from '../../../storage/encryption/key-check.js';
import type { Storage } from '../../../storage/types.js';
import type { WebhookPingEvent } from '../../../verify/webhook-events.js';
import type { EndpointRegistry } from '../../endpoints/endpoint-registry.js';
import { PING_TOPIC } from '../../payload.js';
import type { DeliveryAttempt } from '../../types.js';
import type { MessageWriter } from '../publish/message-writer.js';
import type { Deliverer } from './deliverer.js';

export interface ManualAttemptsDeps {
  storage: Storage;
  endpoints: EndpointRegistry;
  writer: MessageWriter;
  deliverer: Deliverer;
  now: () => Date;
}

/**
 * Attempts the app asks for, made at once and awaited: a ping ("Test now") and a redelivery. They are
 * recorded like any attempt but schedule no retry of their own, and reach disabled endpoints too.
 */
export class ManualAttempts {
  readonly #deps: ManualAttemptsDeps;

  constructor(deps: ManualAttemptsDeps) {
    this.#deps = deps;
  }

  async ping(endpointId: string): Promise<DeliveryAttempt> {
    const { endpoints, writer, deliverer, now } = this.#deps;
    const endpoint = await endpoints.require(endpointId);
    // Checked before the ping is stored: one that cannot be signed must not wait in the outbox.
    requireEndpointOpened(endpoint, now().getTime());
    const ping: WebhookPingEvent['data'] = { endpointId };
    const { deliveries } = await writer.store(PING_TOPIC, now(), ping, null, [endpoint], null);
    // A manual attempt is never skipped for a disabled endpoint, so there is always one.
    const attempt = await deliverer.deliver(deliveries[0]!, 'ping');
    return attempt!;
  }

  async redeliver(deliveryId: string): Promise<DeliveryAttempt> {
    const delivery = await this.#deps.storage.getDelivery(deliveryId);
    if (delivery === null) {
      throw new CronhookError('ERR_DELIVERY_NOT_FOUND', `No delivery with id ${JSON.stringify(deliveryId)}`);
    }
    const attempt = await this.#deps.deliverer.deliver(delivery, 'redeliver');
    return attempt!;
  }
}
