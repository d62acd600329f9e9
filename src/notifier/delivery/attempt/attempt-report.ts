import type { Clock } from '../../../clock.js';
import type { Emitter } from '../../../events.js';
import type { Logger } from '../../../scheduler/types.js';
import type { CompleteAttemptInput } from '../../../storage/types.js';
import { toPublicEndpoint } from '../../endpoints/public-endpoint.js';
import type { Endpoint, EndpointRecord, Message, NotifierEvents } from '../../types.js';
import { toPublicDelivery } from '../delivery-log.js';
import type { StoredEndpoints } from './stored-endpoints.js';

/** Constants, not a template per attempt: a new string each time, flattened again to look its listeners up. */
const EVENT_TYPES = {
  succeeded: 'delivery.succeeded',
  failed: 'delivery.failed',
  retrying: 'delivery.retrying',
} as const;

export interface ReportDeps {
  emitter: Emitter<NotifierEvents>;
  logger: Logger | undefined;
  clock: Clock;
}

/**
 * Tells of a stored attempt: its log line, its `delivery.*` event (payloads made only when someone listens)
 * and, when its outcome disabled the endpoint, `endpoint.disabled`. `stored`: the endpoint as the outcome left
 * it, when read again (see StoredEndpoints.disabled).
 */
export function reportAttempt(
  deps: ReportDeps,
  endpoints: StoredEndpoints,
  input: CompleteAttemptInput,
  endpoint: EndpointRecord | null,
  message: Message | null,
  stored: EndpointRecord | null,
): void {
  const { emitter, logger, clock } = deps;
  const { delivery, attempt } = input;
  const outcome =
    delivery.status === 'succeeded' ? 'succeeded' : delivery.status === 'failed' ? 'failed' : 'retrying';
  const log = outcome === 'succeeded' ? logger?.debug : logger?.warn;
  if (log !== undefined) {
    const data = {
      deliveryId: delivery.id,
      messageId: delivery.messageId,
      endpointId: delivery.endpointId,
      topic: message?.topic ?? delivery.topic,
      attempt: attempt.attempt,
      trigger: attempt.trigger,
      statusCode: attempt.statusCode,
      errorCode: attempt.error?.code ?? null,
      durationMs: attempt.durationMs,
      outcome,
      nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
    };
    if (outcome === 'succeeded') log.call(logger, 'cronhook: webhook delivered', data);
    else log.call(logger, `cronhook: webhook attempt failed (${outcome})`, data);
  }
  if (endpoint === null) return;
  const disabled = input.endpoint?.enabled === false;
  const type = EVENT_TYPES[outcome];
  // Payloads are copies made for listeners: none are made when nobody listens.
  const announce = emitter.listenerCount(type) > 0;
  if (!announce && !disabled) return;
  // The delivery's next state was stamped in this millisecond nearly always (in-process storage stores the
  // outcome and reports it in one call): the event's time is then that same Date, one fewer to make.
  const now = clock.now();
  const at = delivery.updatedAt.getTime() === now ? delivery.updatedAt : new Date(now);
  const updated = stored ?? endpoints.storedOutcome(endpoint, input.endpoint);
  const publicEndpoint = toPublicEndpoint(updated);
  // A record read with peekEndpoints is storage's own: listeners get dates of their own.
  if (endpoints.peeked !== null) ownDates(publicEndpoint);
  if (announce) {
    void emitter.emit(type, {
      type,
      at,
      delivery: toPublicDelivery(delivery),
      attempt,
      endpoint: publicEndpoint,
    });
  }
  if (disabled) {
    const reason = updated.disabledReason === 'gone' ? 'gone' : 'failing';
    logger?.warn?.('cronhook: webhook endpoint disabled', { endpointId: endpoint.id, reason });
    void emitter.emit('endpoint.disabled', {
      type: 'endpoint.disabled',
      at,
      endpoint: publicEndpoint,
      reason,
    });
  }
}

/** Replaces the endpoint's dates by copies. */
function ownDates(endpoint: Endpoint): void {
  endpoint.createdAt = new Date(endpoint.createdAt.getTime());
  endpoint.updatedAt = new Date(endpoint.updatedAt.getTime());
  if (endpoint.disabledAt !== null) endpoint.disabledAt = new Date(endpoint.disabledAt.getTime());
  if (endpoint.failingSince !== null) endpoint.failingSince = new Date(endpoint.failingSince.getTime());
}
