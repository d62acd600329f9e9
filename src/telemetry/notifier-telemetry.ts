import type { Attributes, Context, Link, Span, SpanContext } from '@opentelemetry/api';
import type { Clock } from '../clock.js';
import type { DeliveryAttempt, DeliveryRecord, Message } from '../notifier/types.js';
import type { CompleteAttemptInput } from '../storage/types.js';
import type { TransportRequest } from '../transport/types.js';
import { OtelBinding } from './binding.js';
import { ComponentTelemetry } from './component-telemetry.js';
import type { DeliveryHook, HttpCallHook, MessageHook, NotifierHooks } from './hooks.js';
import { errorType } from './http-attributes.js';
import { startHttpCall } from './http-call.js';
import { type DeliveryInstruments, deliveryInstruments } from './instruments.js';
import { ATTR, MESSAGING_SYSTEM } from './names.js';
import { NOOP_DELIVERY, NOOP_MESSAGE } from './noop-hooks.js';
import { type NotifierTelemetryOptions, validateTelemetryOptions } from './options.js';
import { loadOtelApi, type OtelApi } from './otel-api.js';
import { formatTraceparent, parseTraceparent, readTraceContext, type TraceContext } from './trace-context.js';

/** The notifier's hooks, or null when telemetry is off (see `schedulerHooks`). */
export function notifierHooks(option: NotifierTelemetryOptions | false | undefined, clock: Clock) {
  const options = validateTelemetryOptions(option, 'perEndpointMetrics');
  if (options === null) return null;
  const api = loadOtelApi();
  return api === null ? null : new NotifierTelemetry(new OtelBinding(api, options, clock), clock);
}

/** Where an attempt leaves its delivery, as `cronhook.delivery.outcome` says. */
const OUTCOMES = { succeeded: 'succeeded', pending: 'retrying', failed: 'failed' } as const;

/**
 * The outbox in the messaging conventions: storing a message is a `create <topic>` producer span, in the
 * context of whoever published it (a run, or the app's own code), whose context is stored with the message;
 * each delivery attempt is a `send <topic>` client span linked to it, with the HTTP call's span beneath.
 */
export class NotifierTelemetry extends ComponentTelemetry<DeliveryInstruments> implements NotifierHooks {
  constructor(binding: OtelBinding, clock: Clock) {
    super(binding, clock, 'notifier', deliveryInstruments);
  }

  messageStoring(topic: string, deliveries: number): MessageHook {
    const b = this.binding;
    if (b.idle()) return NOOP_MESSAGE;
    const attributes: Attributes = {
      ...messagingAttributes('create', topic),
      [ATTR.messageDeliveries]: deliveries,
    };
    const span = b.start(`create ${topic}`, b.api.SpanKind.PRODUCER, attributes, b.api.context.active());
    return new MessageSpan(b, span, traceContextOf(b.api, span.spanContext()));
  }

  deliveryStarted(
    delivery: DeliveryRecord,
    message: Message | null,
    trigger: DeliveryAttempt['trigger'],
  ): DeliveryHook {
    const b = this.binding;
    if (b.idle()) return NOOP_DELIVERY;
    const { api } = b;
    // Ping and redeliver are made on someone's request: their spans belong to it. The dispatcher's attempts
    // start traces of their own (its loop runs in whatever context woke it).
    const manual = trigger === 'ping' || trigger === 'redeliver';
    const parent = manual ? api.context.active() : api.ROOT_CONTEXT;
    const topic = message?.topic ?? delivery.topic;
    const attributes: Attributes = {
      ...messagingAttributes('send', topic),
      [ATTR.messagingMessageId]: delivery.messageId,
      [ATTR.deliveryId]: delivery.id,
      [ATTR.endpointId]: delivery.endpointId,
      [ATTR.deliveryAttempt]: delivery.attempts + 1,
      [ATTR.deliveryTrigger]: trigger,
    };
    const origin = message === null ? null : linkedContext(api, message);
    const links: Link[] = origin === null ? [] : [{ context: origin }];
    const span = b.start(`send ${topic}`, api.SpanKind.CLIENT, attributes, parent, links);
    return new DeliverySpan(this, delivery, topic, trigger, span, b.contextOf(span, parent));
  }
}

function messagingAttributes(operation: 'create' | 'send', topic: string): Attributes {
  return {
    [ATTR.messagingSystem]: MESSAGING_SYSTEM,
    [ATTR.messagingOperationName]: operation,
    [ATTR.messagingOperationType]: operation,
    [ATTR.messagingDestination]: topic,
  };
}

/** The trace context to store with a message: its creation span's, when valid. */
function traceContextOf(api: OtelApi, context: SpanContext): TraceContext | null {
  if (!api.isSpanContextValid(context)) return null;
  const stored: TraceContext = { traceparent: formatTraceparent(context) };
  const state = context.traceState?.serialize();
  if (state) stored.tracestate = state;
  return stored;
}

/** The span context stored with a message (by this process or another), or null when it has none. */
function linkedContext(api: OtelApi, message: Message): SpanContext | null {
  const stored = readTraceContext((message as { traceContext?: unknown }).traceContext);
  const parent = stored === null ? null : parseTraceparent(stored.traceparent);
  if (stored === null || parent === null) return null;
  const context: SpanContext = { ...parent, isRemote: true };
  if (stored.tracestate !== undefined) context.traceState = api.createTraceState(stored.tracestate);
  return context;
}

class MessageSpan implements MessageHook {
  constructor(
    readonly binding: OtelBinding,
    readonly span: Span,
    readonly traceContext: TraceContext | null,
  ) {}

  end(messageId: string, error: unknown): void {
    this.span.setAttribute(ATTR.messagingMessageId, messageId);
    if (error !== null && error !== undefined) this.binding.fail(this.span, errorType(error));
    this.binding.end(this.span);
  }
}

class DeliverySpan implements DeliveryHook {
  constructor(
    readonly telemetry: NotifierTelemetry,
    readonly delivery: DeliveryRecord,
    readonly topic: string,
    readonly trigger: DeliveryAttempt['trigger'],
    readonly span: Span,
    readonly context: Context,
  ) {}

  within<T>(fn: () => T): T {
    return this.telemetry.binding.api.context.with(this.context, fn);
  }

  http(request: TransportRequest, propagate: boolean): HttpCallHook {
    const { telemetry, delivery } = this;
    const b = telemetry.binding;
    return startHttpCall(b, request, this.context, {
      type: 'delivery',
      itemAttributes: b.perItemMetrics ? { [ATTR.endpointId]: delivery.endpointId } : null,
      serverOnMetric: b.perItemMetrics,
      resendCount: delivery.attempts,
      propagate,
      histogram: telemetry.instruments.get()?.http ?? null,
    });
  }

  end(outcome: CompleteAttemptInput | null, error: unknown): void {
    const { span, telemetry } = this;
    const b = telemetry.binding;
    if (outcome === null) {
      b.fail(span, errorType(error));
      b.end(span);
      return;
    }
    const result = OUTCOMES[outcome.delivery.status];
    span.setAttribute(ATTR.deliveryOutcome, result);
    const failure = outcome.attempt.error;
    if (failure !== null) {
      span.setAttribute(ATTR.errorCode, failure.code);
      b.fail(span, failure.code);
    }
    b.end(span);
    const attributes: Attributes = {
      [ATTR.messagingDestination]: this.topic,
      [ATTR.deliveryTrigger]: this.trigger,
      [ATTR.deliveryOutcome]: result,
    };
    if (b.perItemMetrics) attributes[ATTR.endpointId] = this.delivery.endpointId;
    telemetry.instruments.get()?.attempts.add(1, attributes);
  }
}
