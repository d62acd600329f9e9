import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import type { Clock } from '../clock.js';
import type { NormalizedSchedule } from '../schedule/types.js';
import { isoTime } from '../scheduler/runs/records/run-records.js';
import type { JobRecord, RunRecord } from '../storage/types.js';
import type { TransportRequest } from '../transport/types.js';
import { OtelBinding } from './binding.js';
import { ComponentTelemetry } from './component-telemetry.js';
import type { AttemptHook, HttpCallHook, RunHook, SchedulerHooks } from './hooks.js';
import { errorType } from './http-attributes.js';
import { startHttpCall } from './http-call.js';
import { type RunInstruments, runInstruments } from './instruments.js';
import { ATTR } from './names.js';
import { type SchedulerTelemetryOptions, validateTelemetryOptions } from './options.js';
import { loadOtelApi } from './otel-api.js';

/**
 * The scheduler's hooks, or null when telemetry is off: `telemetry: false`, or `@opentelemetry/api` is not
 * installed. Throws `ERR_INVALID_OPTION` for a malformed option, whether or not the API is installed.
 */
export function schedulerHooks(option: SchedulerTelemetryOptions | false | undefined, clock: Clock) {
  const options = validateTelemetryOptions(option, 'perJobMetrics');
  if (options === null) return null;
  const api = loadOtelApi();
  return api === null ? null : new SchedulerTelemetry(new OtelBinding(api, options, clock), clock);
}

/**
 * Spans of runs (`run <job id>`, a root span, or a child of the caller's span for a manual run), of their
 * attempts (`attempt`) and of HTTP jobs' calls (`<METHOD>`, a client span), and the run metrics.
 */
export class SchedulerTelemetry extends ComponentTelemetry<RunInstruments> implements SchedulerHooks {
  constructor(binding: OtelBinding, clock: Clock) {
    super(binding, clock, 'scheduler', runInstruments);
  }

  runStarted(job: JobRecord, run: RunRecord): RunHook | null {
    const b = this.binding;
    if (b.idle) return null;
    // Looked up once for the whole run: its spans and measurements go where they went when it started.
    const tracer = b.tracer();
    const instruments = this.instruments.get();
    if (tracer === null && instruments === null) return null;
    const latenessMs = Math.max(0, (run.startedAt?.getTime() ?? 0) - run.scheduledAt.getTime());
    // A manual run starts when asked: its lateness is always 0 and would only crowd the histogram's first bucket.
    if (instruments !== null && run.trigger !== 'manual') {
      const attributes = this.#metricAttributes(job, { [ATTR.runTrigger]: run.trigger });
      instruments.lateness.record(latenessMs / 1000, attributes);
    }
    if (tracer === null) return new RunSpan(this, job, instruments, null, b.noopSpan, null);
    const { api } = b;
    // Only a manual run belongs to its caller's trace: the claim loop's timers carry whatever context armed
    // them (a run's, an API call's), which has nothing to do with the runs they start.
    const parent = run.trigger === 'manual' ? api.context.active() : api.ROOT_CONTEXT;
    const attributes: Attributes = {
      [ATTR.jobId]: job.id,
      [ATTR.runId]: run.id,
      [ATTR.runTrigger]: run.trigger,
      [ATTR.runLatenessMs]: latenessMs,
    };
    const span = b.start(tracer, `run ${job.id}`, api.SpanKind.INTERNAL, attributes, parent);
    if (span.isRecording()) span.setAttributes(jobAttributes(job, run));
    return new RunSpan(this, job, instruments, tracer, span, b.contextOf(span, parent));
  }

  runRecorded(job: JobRecord, run: RunRecord): void {
    const instruments = this.instruments.get();
    if (instruments !== null) this.#countRun(instruments, job, run);
  }

  /** A run's outcome, as metrics. */
  recordEnd(instruments: RunInstruments, job: JobRecord, run: RunRecord): void {
    this.#countRun(instruments, job, run);
    if (run.durationMs !== null) {
      instruments.duration.record(
        run.durationMs / 1000,
        this.#metricAttributes(job, { [ATTR.runStatus]: run.status }),
      );
    }
  }

  /** One more in `cronhook.runs`: its series found by its attribute values, its attributes made once. */
  #countRun(instruments: RunInstruments, job: JobRecord, run: RunRecord): void {
    const { status, trigger } = run;
    instruments.runs.add([status, trigger, this.binding.perItemMetrics ? job.id : ''], () =>
      this.#metricAttributes(job, { [ATTR.runStatus]: status, [ATTR.runTrigger]: trigger }),
    );
  }

  /** `cronhook.job.id` on metrics only with per-job metrics. */
  #metricAttributes(job: JobRecord, attributes: Attributes): Attributes {
    if (this.binding.perItemMetrics) attributes[ATTR.jobId] = job.id;
    return attributes;
  }
}

/** A run's span (the no-op span with metrics only) and the instruments it records to. */
class RunSpan implements RunHook {
  constructor(
    readonly telemetry: SchedulerTelemetry,
    readonly job: JobRecord,
    readonly instruments: RunInstruments | null,
    readonly tracer: Tracer | null,
    readonly span: Span,
    /** The context with the run's span active; null with metrics only. */
    readonly context: Context | null,
  ) {}

  within<T>(fn: () => T): T {
    return this.telemetry.binding.within(this.context, fn);
  }

  attempt(attempt: number): AttemptHook {
    const b = this.telemetry.binding;
    if (this.context === null) return new AttemptSpan(this, attempt, b.noopSpan, null);
    const attributes = { [ATTR.jobId]: this.job.id, [ATTR.runAttempt]: attempt };
    const span = b.start(this.tracer, 'attempt', b.api.SpanKind.INTERNAL, attributes, this.context);
    return new AttemptSpan(this, attempt, span, b.contextOf(span, this.context));
  }

  end(run: RunRecord, error: unknown): void {
    const { span, telemetry } = this;
    const b = telemetry.binding;
    const failed = error !== null && error !== undefined;
    if (span.isRecording()) {
      span.setAttribute(ATTR.runStatus, run.status);
      span.setAttribute(ATTR.runAttempts, run.attempts);
      // Storing the outcome failed (storage down): the run is not over for the other instances.
      if (failed) b.fail(span, errorType(error));
      else if (run.error !== null) {
        span.setAttribute(ATTR.errorCode, run.error.code);
        b.fail(span, run.error.code);
      }
    }
    if (this.context !== null) b.end(span);
    if (!failed && this.instruments !== null) telemetry.recordEnd(this.instruments, this.job, run);
  }
}

class AttemptSpan implements AttemptHook {
  constructor(
    readonly run: RunSpan,
    readonly attempt: number,
    readonly span: Span,
    readonly context: Context | null,
  ) {}

  within<T>(fn: () => T): T {
    return this.run.telemetry.binding.within(this.context, fn);
  }

  http(request: TransportRequest, propagate: boolean): HttpCallHook {
    const { telemetry, job, tracer, instruments } = this.run;
    const b = telemetry.binding;
    return startHttpCall(b, tracer, request, this.context, {
      type: 'job',
      itemAttribute: b.perItemMetrics ? ATTR.jobId : null,
      itemId: job.id,
      serverOnMetric: true,
      resendCount: this.attempt - 1,
      propagate,
      histogram: instruments?.http ?? null,
    });
  }

  end(error: unknown): void {
    const { span } = this;
    if (this.context === null) return;
    const b = this.run.telemetry.binding;
    if (error !== null && error !== undefined && span.isRecording()) {
      const type = errorType(error);
      span.setAttribute(ATTR.errorCode, type);
      b.fail(span, type);
    }
    b.end(span);
  }
}

/** What a span says about its job (only computed for spans that are recorded). */
function jobAttributes(job: JobRecord, run: RunRecord): Attributes {
  const attributes: Attributes = {
    [ATTR.jobSchedule]: describeSchedule(job.schedule),
    // Not Date#toISOString: it costs more than the rest of the run span's attributes together.
    [ATTR.runScheduledAt]: isoTime(run.scheduledAt.getTime()),
  };
  if (job.name !== null) attributes[ATTR.jobName] = job.name;
  if ('handler' in job.target) attributes[ATTR.jobHandler] = job.target.handler;
  return attributes;
}

/** `0 3 * * * (Europe/Paris)`, `every 900000ms`, `at 2026-01-01T00:00:00.000Z`. */
export function describeSchedule(schedule: NormalizedSchedule): string {
  if (schedule.kind === 'cron') return `${schedule.cron} (${schedule.timezone})`;
  if (schedule.kind === 'every') return `every ${schedule.everyMs}ms`;
  return `at ${schedule.at}`;
}
