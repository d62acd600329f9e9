import type { Clock } from '../../../clock.js';
import { isCronhookError } from '../../../errors.js';
import type { Emitter } from '../../../events.js';
import type { Logger } from '../../../scheduler/types.js';
import type { CompleteAttemptInput, Storage } from '../../../storage/types.js';
import type { DeliveryHook } from '../../../telemetry/hooks.js';
import type { ResponseTarget } from '../../../transport/checked-sender.js';
import type { TransportResponse } from '../../../transport/types.js';
import type { ResolvedNotifierOptions } from '../../options.js';
import type {
  DeliveryAttempt,
  DeliveryRecord,
  EndpointRecord,
  Message,
  NotifierEvents,
} from '../../types.js';
import { logDropped, removedWithEndpoint } from '../removed-endpoint-deliveries.js';
import { attemptOutcome, isManualTrigger } from './attempt-outcome.js';
import { attemptRecord } from './attempt-record.js';
import { reportAttempt } from './attempt-report.js';
import type { CheckedEndpoints } from './checked-endpoints.js';
import type { StoredEndpoints } from './stored-endpoints.js';

/**
 * Told how an attempt goes (an object rather than callbacks: no closure per attempt). The attempt never throws
 * at its caller: a failure (storage trouble, an undecryptable secret) comes to `failed`, and `over` ends every
 * attempt, whichever way it went.
 */
export interface AttemptWatcher {
  /** The attempt's request is over (answered, failed or not made), before the attempt is stored. */
  answered(): void;
  /** The attempt failed with `error` (storage trouble, an undecryptable secret); no `done` follows. */
  failed(error: unknown): void;
  /** The attempt is over: stored, handed back, or failed (after `failed`). */
  over(): void;
  /**
   * The attempt is stored and reported, after `over` (null: not made, its endpoint disabled; or, automatic,
   * its delivery deleted with its removed endpoint meanwhile).
   */
  done?(attempt: DeliveryAttempt | null): void;
}

/** What recording an attempt needs of the deliverer's. */
export interface RecorderDeps {
  storage: Storage;
  clock: Clock;
  options: ResolvedNotifierOptions;
  emitter: Emitter<NotifierEvents>;
  logger: Logger | undefined;
  random?: () => number;
}

/** A request that got no answer because there was no one to ask: the secrets cut from no answer. */
const NONE: readonly string[] = [];

/**
 * One attempt whose request is in flight, with what its outcome is decided, stored and reported from once the
 * request settles: the transport tells it (a ResponseTarget, or its promise's callbacks), so an attempt costs
 * no async function (its frame, its promise and the await's continuation were ~0.3 KB of garbage and a
 * microtask per delivery).
 */
export class AttemptInFlight implements ResponseTarget {
  constructor(
    readonly recorder: AttemptRecorder,
    readonly delivery: DeliveryRecord,
    readonly trigger: DeliveryAttempt['trigger'],
    readonly startedAt: number,
    readonly endpoint: Readonly<EndpointRecord> | null,
    readonly message: Message | null,
    /** The endpoint is in-process storage's own record (see StoredEndpoints). */
    readonly peeked: boolean,
    readonly hook: DeliveryHook | null,
    readonly watcher: AttemptWatcher,
  ) {}

  /** The request was answered with `response`. Never throws (nor does {@link unanswered}). */
  responded(response: TransportResponse): void {
    this.recorder.record(this, response, null);
  }

  /** The request got no answer (or was not made), with `error`. */
  unanswered(error: unknown): void {
    this.recorder.record(this, null, error);
  }
}

/**
 * Records attempts as they settle: the attempt's record, the delivery's next state and the endpoint's changes
 * in one storage write, then its log line and events. With in-process storage (`completeAttemptNow`) and no
 * telemetry that is all done at once, in the call that settled the request; else in an async function that
 * awaits the write.
 */
export class AttemptRecorder {
  readonly #deps: RecorderDeps;
  readonly #endpoints: StoredEndpoints;
  readonly #checked: CheckedEndpoints;

  constructor(deps: RecorderDeps, endpoints: StoredEndpoints, checked: CheckedEndpoints) {
    this.#deps = deps;
    this.#endpoints = endpoints;
    this.#checked = checked;
  }

  /** The request of `sent` is over: answered with `response`, or not (null), with `error`. Never throws. */
  record(sent: AttemptInFlight, response: TransportResponse | null, error: unknown): void {
    const { storage, clock } = this.#deps;
    const { delivery, endpoint, watcher } = sent;
    let input: CompleteAttemptInput;
    try {
      watcher.answered();
      // What the receiver echoes of the endpoint's authorization, headers or query is not kept.
      const secrets =
        response === null || endpoint === null ? NONE : this.#checked.secrets(endpoint, sent.peeked);
      const attempt = attemptRecord(delivery, sent.trigger, sent.startedAt, response, error, secrets, clock);
      input = attemptOutcome(
        { delivery, endpoint, attempt, response, now: clock.now() },
        this.#deps.options,
        this.#deps.random,
      );
      // An outcome that disabled its endpoint reads it again (see StoredEndpoints.disabled): awaited.
      if (
        sent.hook === null &&
        storage.completeAttemptNow !== undefined &&
        input.endpoint?.enabled !== false
      ) {
        storage.completeAttemptNow(input);
        reportAttempt(this.#deps, this.#endpoints, input, endpoint, sent.message, null);
      } else {
        void this.#store(sent, input);
        return;
      }
    } catch (failure) {
      this.failed(delivery, sent.trigger, sent.hook, watcher, failure);
      return;
    }
    watcher.over();
    watcher.done?.(input.attempt);
  }

  /** {@link record}'s write awaited, under the attempt's telemetry span if any. */
  async #store(sent: AttemptInFlight, input: CompleteAttemptInput): Promise<void> {
    const { storage } = this.#deps;
    const { hook, watcher, endpoint, message } = sent;
    let stored: EndpointRecord | null = null;
    try {
      if (hook === null && storage.completeAttemptNow !== undefined) storage.completeAttemptNow(input);
      else await storage.completeAttempt(input);
      if (input.endpoint?.enabled === false) stored = await this.#endpoints.disabled(input.endpoint);
    } catch (failure) {
      this.failed(sent.delivery, sent.trigger, hook, watcher, failure);
      return;
    }
    try {
      if (hook === null) reportAttempt(this.#deps, this.#endpoints, input, endpoint, message, stored);
      else {
        // Logged inside the attempt's span, so log lines carry its trace and span ids.
        hook.within(() => reportAttempt(this.#deps, this.#endpoints, input, endpoint, message, stored));
        hook.end(input, null);
      }
    } catch (failure) {
      fail(watcher, failure);
      return;
    }
    watcher.over();
    watcher.done?.(input.attempt);
  }

  /**
   * The attempt of `delivery` failed with `error` before its outcome was stored (or its delivery released):
   * its span and its watcher are told. Except for an automatic attempt whose delivery is gone with its removed
   * endpoint (see removedWithEndpoint): the removal was asked for, so that attempt ends as dropped, with a
   * debug line (inside its span) and no error for its watcher nor on its span.
   */
  failed(
    delivery: DeliveryRecord,
    trigger: DeliveryAttempt['trigger'],
    hook: DeliveryHook | null,
    watcher: AttemptWatcher,
    error: unknown,
  ): void {
    if (!isManualTrigger(trigger) && isCronhookError(error, 'ERR_DELIVERY_NOT_FOUND')) {
      void this.#droppedOrFailed(delivery, hook, watcher, error);
      return;
    }
    hook?.end(null, error);
    fail(watcher, error);
  }

  async #droppedOrFailed(
    delivery: DeliveryRecord,
    hook: DeliveryHook | null,
    watcher: AttemptWatcher,
    error: unknown,
  ): Promise<void> {
    const { storage, logger } = this.#deps;
    if (!(await removedWithEndpoint(storage, delivery))) {
      hook?.end(null, error);
      fail(watcher, error);
      return;
    }
    try {
      if (hook === null) logDropped(logger, delivery);
      else hook.within(() => logDropped(logger, delivery));
    } catch (failure) {
      // The app's logger threw: told as any failure would be, the span ended all the same.
      hook?.dropped();
      fail(watcher, failure);
      return;
    }
    hook?.dropped();
    watcher.over();
    watcher.done?.(null);
  }
}

/** The attempt failed with `error`: its watcher is told, and the attempt is over. */
export function fail(watcher: AttemptWatcher, error: unknown): void {
  try {
    watcher.failed(error);
  } finally {
    watcher.over();
  }
}

/** The watcher of an attempt that is awaited (`Deliverer.deliver`): settles the promise it returns. */
export class AwaitedAttempt implements AttemptWatcher {
  readonly #resolve: (attempt: DeliveryAttempt | null) => void;
  readonly #reject: (error: unknown) => void;

  constructor(resolve: (attempt: DeliveryAttempt | null) => void, reject: (error: unknown) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  answered(): void {}

  failed(error: unknown): void {
    this.#reject(error);
  }

  over(): void {}

  done(attempt: DeliveryAttempt | null): void {
    this.#resolve(attempt);
  }
}
