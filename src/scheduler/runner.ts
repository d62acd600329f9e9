import pRetry, { AbortError } from 'p-retry';
import type { Clock } from '../clock.js';
import { sleep } from '../clock.js';
import { CronhookError, type ErrorInfo, toErrorInfo } from '../errors.js';
import type { Emitter } from '../events.js';
import type { JobRecord, RunRecord, Storage } from '../storage/types.js';
import type { AddressPolicy, Transport, TransportRequest } from '../transport/types.js';
import { signWebhook } from '../verify/index.js';
import { toPublicJob } from './job-definition.js';
import type { HandlerTarget, HttpTarget, JobHandler, Run, SchedulerEvents } from './types.js';

/** Response bodies and handler results kept on a run. */
export const SNIPPET_BYTES = 4096;
const DEFAULT_TIMEOUT_MS = 30_000;

export interface RunnerOptions {
  storage: Storage;
  transport: Transport;
  clock: Clock;
  emitter: Emitter<SchedulerEvents>;
  handlers: ReadonlyMap<string, JobHandler>;
  /** Address policy for HTTP jobs; undefined leaves it to the transport. */
  addressPolicy: AddressPolicy | undefined;
  userAgent: string;
}

/** Cuts a string to at most `bytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, bytes = SNIPPET_BYTES): string {
  const buffer = Buffer.from(text, 'utf8');
  if (buffer.length <= bytes) return text;
  return buffer
    .subarray(0, bytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

/** The public view of a stored run. */
export function toPublicRun(record: RunRecord): Run {
  const { occurrenceKey: _key, lockedUntil: _lease, ...run } = record;
  return run;
}

function retryDelay(job: JobRecord, attempt: number): number {
  const { minDelayMs, maxDelayMs, factor } = job.retry;
  return Math.min(maxDelayMs, Math.round(minDelayMs * factor ** (attempt - 1)));
}

/**
 * Executes one run: marks it running, makes the attempts (p-retry, delays on the injected clock), records
 * the outcome, and emits `job.started`, `job.retrying`, and `job.succeeded` or `job.failed`. Awaited
 * listeners (such as the notifier storing its messages) finish before the run is stored as finished.
 */
export class Runner {
  readonly #o: RunnerOptions;

  constructor(options: RunnerOptions) {
    this.#o = options;
  }

  async execute(job: JobRecord, run: RunRecord, stopSignal: AbortSignal): Promise<RunRecord> {
    const { clock, storage, emitter } = this.#o;
    const publicJob = toPublicJob(job);
    run.status = 'running';
    run.startedAt = new Date(clock.now());
    await storage.updateRun(run);
    await emitter.emit('job.started', {
      type: 'job.started',
      at: new Date(clock.now()),
      job: publicJob,
      run: toPublicRun(run),
    });

    let error: ErrorInfo | null = null;
    try {
      await pRetry((attempt) => this.#attempt(job, run, attempt, stopSignal), {
        retries: job.retry.attempts - 1,
        minTimeout: 0,
        maxTimeout: 0,
        signal: stopSignal,
        onFailedAttempt: async ({ error: failure, attemptNumber, retriesLeft }) => {
          if (retriesLeft <= 0) return;
          const delayMs = retryDelay(job, attemptNumber);
          run.error = toErrorInfo(failure);
          await storage.updateRun(run);
          void emitter.emit('job.retrying', {
            type: 'job.retrying',
            at: new Date(clock.now()),
            job: publicJob,
            run: toPublicRun(run),
            error: run.error,
            attempt: attemptNumber,
            delayMs,
          });
          await sleep(clock, delayMs, stopSignal);
        },
      });
    } catch (failure) {
      error = toErrorInfo(failure instanceof AbortError ? failure.originalError : failure);
    }

    run.finishedAt = new Date(clock.now());
    run.durationMs = run.finishedAt.getTime() - (run.startedAt?.getTime() ?? run.finishedAt.getTime());
    run.status = error === null ? 'succeeded' : 'failed';
    run.error = error;
    run.lockedUntil = null;
    const at = new Date(clock.now());
    if (error === null) {
      await emitter.emit('job.succeeded', {
        type: 'job.succeeded',
        at,
        job: publicJob,
        run: toPublicRun(run),
      });
    } else {
      await emitter.emit('job.failed', {
        type: 'job.failed',
        at,
        job: publicJob,
        run: toPublicRun(run),
        error,
      });
    }
    await storage.updateRun(run);
    return run;
  }

  async #attempt(job: JobRecord, run: RunRecord, attempt: number, stopSignal: AbortSignal): Promise<void> {
    run.attempts = attempt;
    const timeoutMs = job.target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = new AbortController();
    const timer = this.#o.clock.setTimeout(
      () =>
        timeout.abort(
          new CronhookError(
            'ERR_TIMEOUT',
            `Job ${job.id} attempt ${attempt} timed out after ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    const signal = AbortSignal.any([stopSignal, timeout.signal]);
    try {
      if ('handler' in job.target) await this.#callHandler(job, job.target, run, attempt, signal);
      else await this.#callUrl(job, job.target, run, signal, timeoutMs);
    } catch (failure) {
      if (signal.aborted) throw signal.reason;
      // p-retry gives up at once on a TypeError; a handler's TypeError still deserves its retries.
      if (failure instanceof TypeError)
        throw new CronhookError('ERR_HANDLER_FAILED', failure.message, { cause: failure });
      throw failure;
    } finally {
      timer.cancel();
    }
  }

  async #callHandler(
    job: JobRecord,
    target: HandlerTarget,
    run: RunRecord,
    attempt: number,
    signal: AbortSignal,
  ) {
    const handler = this.#o.handlers.get(target.handler);
    if (!handler) {
      throw new AbortError(
        new CronhookError(
          'ERR_HANDLER_NOT_FOUND',
          `No handler named ${JSON.stringify(target.handler)}; register it with scheduler.handle()`,
        ),
      );
    }
    const result = await raceAbort(
      Promise.resolve().then(() =>
        handler({ job: toPublicJob(job), run: toPublicRun(run), payload: target.payload, signal, attempt }),
      ),
      signal,
    );
    run.responseSnippet = result === undefined ? null : truncateUtf8(safeJson(result));
  }

  async #callUrl(job: JobRecord, target: HttpTarget, run: RunRecord, signal: AbortSignal, timeoutMs: number) {
    const body =
      target.body === undefined
        ? undefined
        : typeof target.body === 'string'
          ? target.body
          : JSON.stringify(target.body);
    const scheduledAt = run.scheduledAt.toISOString();
    const headers: Record<string, string> = {
      'user-agent': this.#o.userAgent,
      ...(body !== undefined && typeof target.body !== 'string'
        ? { 'content-type': 'application/json' }
        : {}),
      ...lowerKeys(target.headers ?? {}),
      'idempotency-key': `${job.id}:${scheduledAt}`,
      'x-cronhook-job': job.id,
      'x-cronhook-scheduled-at': scheduledAt,
    };
    if (target.signingSecret) {
      const id = `run_${run.id}`;
      const timestamp = Math.floor(this.#o.clock.now() / 1000);
      headers['webhook-id'] = id;
      headers['webhook-timestamp'] = String(timestamp);
      headers['webhook-signature'] = signWebhook({
        id,
        timestamp,
        payload: body ?? '',
        secret: target.signingSecret,
      });
    }
    const request: TransportRequest = {
      url: target.url,
      method: target.method ?? 'POST',
      headers,
      timeoutMs,
    };
    if (body !== undefined) request.body = body;
    if (this.#o.addressPolicy) request.addressPolicy = this.#o.addressPolicy;
    const response = await this.#o.transport.send(request, { signal });
    run.statusCode = response.status;
    run.responseSnippet = truncateUtf8(response.body);
    const ok = job.successStatuses
      ? job.successStatuses.includes(response.status)
      : response.status >= 200 && response.status < 300;
    if (!ok) {
      throw new CronhookError(
        'ERR_HTTP_STATUS',
        `${request.method} ${target.url} answered ${response.status}`,
      );
    }
  }
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function safeJson(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
