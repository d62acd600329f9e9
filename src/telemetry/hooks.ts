/**
 * The small interface the core calls where the work happens: the runner (runs, attempts, HTTP calls), the
 * claim work (runs recorded without running), the message writer and the deliverer. It names no
 * OpenTelemetry type, so the core depends on this file alone; when telemetry is off (the API is not
 * installed, or `telemetry: false`) the core holds `null` instead and each hook costs one comparison. A hook
 * that starts work returns null while nothing would be recorded (no SDK registered): the core then goes its
 * untraced way, as when telemetry is off. `tracedSend` (at the end) is how the core sends a request within
 * an HTTP call's hook.
 */
import type { DeliveryAttempt, DeliveryRecord, Message } from '../notifier/types.js';
import type { CompleteAttemptInput, JobRecord, RunRecord, Storage } from '../storage/types.js';
import type { SendOptions, Transport, TransportRequest, TransportResponse } from '../transport/types.js';
import type { TraceContext } from './trace-context.js';

/** A piece of traced work: code run through `within` runs with its span active. */
export interface TracedWork {
  /** Calls `fn` inside this work's context: spans started there (a handler's, a listener's) nest under it. */
  within<T>(fn: () => T): T;
}

/** One HTTP call, from just before it is sent until its answer (or failure) is in. */
export interface HttpCallHook {
  end(response: TransportResponse | null, error: unknown): void;
}

/** Work that makes HTTP calls: an attempt of an HTTP job, a delivery attempt. */
export interface CallingWork extends TracedWork {
  /**
   * Starts the client span of `request`, and sets its `traceparent`/`tracestate` headers (replacing any of
   * the same name) when `propagate` is true. Call `end` when the answer is in.
   */
  http(request: TransportRequest, propagate: boolean): HttpCallHook;
}

/** One attempt of a run. */
export interface AttemptHook extends CallingWork {
  /** The attempt is over: `error` is what failed it, or null when it succeeded. */
  end(error: unknown): void;
}

/** One run, from the moment it starts until its outcome is stored. */
export interface RunHook extends TracedWork {
  attempt(attempt: number): AttemptHook;
  /**
   * The run's outcome is stored (`run` is final: status, attempts, duration, error), or storing it failed
   * with `error` (null otherwise).
   */
  end(run: RunRecord, error: unknown): void;
}

/** What the scheduler and the notifier tell their telemetry about their lifecycle. */
export interface LifecycleHooks {
  /** Started: the storage's counts are observed as gauges from now on (when it has `stats()`). */
  started(storage: Storage): void;
  /** Stopped: the gauges are no longer observed. */
  stopped(): void;
}

/** The scheduler's hooks. */
export interface SchedulerHooks extends LifecycleHooks {
  /**
   * A run starts (its `startedAt` is set). A manual run's span is a child of the caller's active span (the
   * request that clicked "run now"); any other run starts a trace of its own. Null: nothing to record.
   */
  runStarted(job: JobRecord, run: RunRecord): RunHook | null;
  /** A run recorded without running: skipped, missed, or failed because its instance died. */
  runRecorded(job: JobRecord, run: RunRecord): void;
}

/** The storing of one message, started before it is written. */
export interface MessageHook {
  /** The context stored with the message, which every delivery attempt's span links to; null: none. */
  readonly traceContext: TraceContext | null;
  /** The message is stored (error null) or its write failed. */
  end(messageId: string, error: unknown): void;
}

/** One delivery attempt, from the moment its endpoint and message are read until its outcome is stored. */
export interface DeliveryHook extends CallingWork {
  /** The outcome is stored (`outcome` null: the attempt failed before one was decided, with `error`). */
  end(outcome: CompleteAttemptInput | null, error: unknown): void;
  /**
   * The attempt ends with no outcome stored, and no error: an automatic attempt whose delivery was deleted
   * with its removed endpoint meanwhile (the removal the app asked for).
   */
  dropped(): void;
}

/** The notifier's hooks. */
export interface NotifierHooks extends LifecycleHooks {
  /**
   * A message for `deliveries` endpoints is about to be stored, in the caller's context. Null: nothing to
   * record (no span is made, so no trace context is stored).
   */
  messageStoring(topic: string, deliveries: number): MessageHook | null;
  /**
   * An attempt starts. Automatic attempts start a trace of their own; manual ones (ping, redeliver) are
   * children of the caller's active span. Either links to the context stored with the message. Null:
   * nothing to record.
   */
  deliveryStarted(
    delivery: DeliveryRecord,
    message: Message | null,
    trigger: DeliveryAttempt['trigger'],
  ): DeliveryHook | null;
}

/**
 * Sends `request` through `transport`, inside a client span of `work` when telemetry is on (`work` not null):
 * the span starts just before the request goes out (with `traceparent` set when `propagate`) and ends when the
 * answer, or the failure, is in. Without `work` it is the transport's own call: no promise of ours between.
 */
export function tracedSend(
  transport: Transport,
  request: TransportRequest,
  options: SendOptions,
  work: CallingWork | null,
  propagate: boolean,
): Promise<TransportResponse> {
  return work === null
    ? transport.send(request, options)
    : sendInSpan(transport, request, options, work, propagate);
}

async function sendInSpan(
  transport: Transport,
  request: TransportRequest,
  options: SendOptions,
  work: CallingWork,
  propagate: boolean,
): Promise<TransportResponse> {
  const call = work.http(request, propagate);
  let response: TransportResponse;
  try {
    response = await transport.send(request, options);
  } catch (error) {
    call.end(null, error);
    throw error;
  }
  call.end(response, null);
  return response;
}
