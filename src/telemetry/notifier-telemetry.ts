import type { Attributes, Context, Span, SpanContext, Tracer } from '@opentelemetry/api';
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
import { type NotifierTelemetryOptions, validateTelemetryOptions } from './options.js';
import { loadOtelApi, type OtelApi } from './otel-api.js';
import { formatTraceparent, readTraceParent, type TraceContext } from './trace-context.js';

/** The notifier's hooks, or null when telemetry is off (see `schedulerHooks`). */
export function notifierHooks(option: NotifierTelemetryOptions | false | undefined, clock: Clock) {
  const options = validateTelemetryOptions(option, 'perEndpointMetrics');
  if (options === null) return null;
  const api = loadOtelApi();
  return api === null ? null : new NotifierTelemetry(new OtelBinding(api, options, clock), clock);
}

/** Where an attempt leaves its delivery, as `cronhook.delivery.outcome` says. */
const OUTCOMES = { succeeded: 'succeeded', pending: 'retrying', failed: 'failed' } as const;
/** `cronhook.delivery.outcome` of an attempt whose delivery was deleted with its removed endpoint. */
const DROPPED = 'dropped';

/**
 * The outbox in the messaging conventions: storing a message is a `create <topic>` producer span, in the
 * context of whoever published it (a run, or the app's own code), whose context is stored with the message;
 * each delivery attempt is a `send <topic>` client span linked to it, with the HTTP call's span beneath.
 */
export class NotifierTelemetry extends ComponentTelemetry<DeliveryInstruments> implements NotifierHooks {
  constructor(binding: OtelBinding, clock: Clock) {
    super(binding, clock, 'notifier', deliveryInstruments);
  }

  messageStoring(topic: string, deliveries: number): MessageHook | null {
    const b = this.binding;
    if (b.idle) return null;
    // Metrics count nothing per message: with metrics only there is nothing to do.
    const tracer = b.tracer();
    if (tracer === null) return null;
    const { api } = b;
    const attributes: Attributes = {
      [ATTR.messagingSystem]: MESSAGING_SYSTEM,
      [ATTR.messagingOperationName]: 'create',
      [ATTR.messagingOperationType]: 'create',
      [ATTR.messagingDestination]: topic,
      [ATTR.messageDeliveries]: deliveries,
    };
    const span = b.start(tracer, `create ${topic}`, api.SpanKind.PRODUCER, attributes, api.context.active());
    return new MessageSpan(b, span, traceContextOf(api, span.spanContext()));
  }

  deliveryStarted(
    delivery: DeliveryRecord,
    message: Message | null,
    trigger: DeliveryAttempt['trigger'],
  ): DeliveryHook | null {
    const b = this.binding;
    if (b.idle) return null;
    // Looked up once for the whole attempt (see SchedulerTelemetry.runStarted).
    const tracer = b.tracer();
    const instruments = this.instruments.get();
    if (tracer === null && instruments === null) return null;
    const topic = message?.topic ?? delivery.topic;
    if (tracer === null)
      return new DeliverySpan(this, delivery, topic, trigger, instruments, null, b.noopSpan, null);
    const { api } = b;
    // Ping and redeliver are made on someone's request: their spans belong to it. The dispatcher's attempts
    // start traces of their own (its loop runs in whatever context woke it).
    const manual = trigger === 'ping' || trigger === 'redeliver';
    const parent = manual ? api.context.active() : api.ROOT_CONTEXT;
    const attributes: Attributes = {
      [ATTR.messagingSystem]: MESSAGING_SYSTEM,
      [ATTR.messagingOperationName]: 'send',
      [ATTR.messagingOperationType]: 'send',
      [ATTR.messagingDestination]: topic,
      [ATTR.messagingMessageId]: delivery.messageId,
      [ATTR.deliveryId]: delivery.id,
      [ATTR.endpointId]: delivery.endpointId,
      [ATTR.deliveryAttempt]: delivery.attempts + 1,
      [ATTR.deliveryTrigger]: trigger,
    };
    const origin = message === null ? null : linkedContext(api, message);
    const links = origin === null ? undefined : [{ context: origin }];
    const span = b.start(tracer, `send ${topic}`, api.SpanKind.CLIENT, attributes, parent, links);
    const context = b.contextOf(span, parent);
    return new DeliverySpan(this, delivery, topic, trigger, instruments, tracer, span, context);
  }
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
  const stored = readTraceParent((message as { traceContext?: unknown }).traceContext);
  if (stored === null) return null;
  const context: SpanContext = {
    traceId: stored.traceId,
    spanId: stored.spanId,
    traceFlags: stored.traceFlags,
    isRemote: true,
  };
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
    const { span, binding } = this;
    if (span.isRecording()) {
      span.setAttribute(ATTR.messagingMessageId, messageId);
      if (error !== null && error !== undefined) binding.fail(span, errorType(error));
    }
    binding.end(span);
  }
}

/** A delivery attempt's span (the no-op span with metrics only) and the instruments it records to. */
class DeliverySpan implements DeliveryHook {
  constructor(
    readonly telemetry: NotifierTelemetry,
    readonly delivery: DeliveryRecord,
    readonly topic: string,
    readonly trigger: DeliveryAttempt['trigger'],
    readonly instruments: DeliveryInstruments | null,
    readonly tracer: Tracer | null,
    readonly span: Span,
    /** The context with the attempt's span active; null with metrics only. */
    readonly context: Context | null,
  ) {}

  within<T>(fn: () => T): T {
    return this.telemetry.binding.within(this.context, fn);
  }

  http(request: TransportRequest, propagate: boolean): HttpCallHook {
    const { telemetry, delivery } = this;
    const b = telemetry.binding;
    return startHttpCall(b, this.tracer, request, this.context, {
      type: 'delivery',
      itemAttribute: b.perItemMetrics ? ATTR.endpointId : null,
      itemId: delivery.endpointId,
      serverOnMetric: b.perItemMetrics,
      resendCount: delivery.attempts,
      propagate,
      histogram: this.instruments?.http ?? null,
    });
  }

  end(outcome: CompleteAttemptInput | null, error: unknown): void {
    const { span, telemetry } = this;
    const b = telemetry.binding;
    const recording = span.isRecording();
    if (outcome === null) {
      if (recording) b.fail(span, errorType(error));
      if (this.context !== null) b.end(span);
      return;
    }
    const result = OUTCOMES[outcome.delivery.status];
    if (recording) {
      span.setAttribute(ATTR.deliveryOutcome, result);
      const failure = outcome.attempt.error;
      if (failure !== null) {
        span.setAttribute(ATTR.errorCode, failure.code);
        b.fail(span, failure.code);
      }
    }
    if (this.context !== null) b.end(span);
    if (this.instruments === null) return;
    // One more in `cronhook.delivery.attempts`: its series found by its attribute values, its attributes
    // made once.
    const { topic, trigger } = this;
    const endpointId = b.perItemMetrics ? this.delivery.endpointId : null;
    this.instruments.attempts.add([result, trigger, topic, endpointId ?? ''], () => {
      const attributes: Attributes = {
        [ATTR.messagingDestination]: topic,
        [ATTR.deliveryTrigger]: trigger,
        [ATTR.deliveryOutcome]: result,
      };
      if (endpointId !== null) attributes[ATTR.endpointId] = endpointId;
      return attributes;
    });
  }

  /**
   * Not an error (no status, no error code): the app removed the endpoint. Not counted in
   * `cronhook.delivery.attempts` either, as no outcome was stored (nor is an attempt that failed).
   */
  dropped(): void {
    const { span } = this;
    if (span.isRecording()) span.setAttribute(ATTR.deliveryOutcome, DROPPED);
    if (this.context !== null) this.telemetry.binding.end(span);
  }
}
