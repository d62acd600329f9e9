import type { CompleteAttemptInput } from '../../../storage/types.js';
import type { TransportResponse } from '../../../transport/types.js';
import type { ResolvedNotifierOptions } from '../../options.js';
import type { DeliveryAttempt, DeliveryRecord, EndpointRecord } from '../../types.js';

/** The options an outcome is decided by: the retry schedule, `Retry-After` cap and auto-disable rule. */
export type OutcomePolicy = Pick<
  ResolvedNotifierOptions,
  'retrySchedule' | 'retryJitter' | 'maxRetryAfterMs' | 'disableAfterMs'
>;

export interface AttemptOutcomeInput {
  /** The delivery as leased, before the attempt. */
  delivery: DeliveryRecord;
  /** The endpoint as read before the attempt; null when it no longer exists. */
  endpoint: EndpointRecord | null;
  attempt: DeliveryAttempt;
  /** The receiver's answer; null when none came (connection error, missing endpoint or message). */
  response: TransportResponse | null;
  /** When the outcome is decided, in ms since the epoch. */
  now: number;
}

type EndpointChanges = NonNullable<CompleteAttemptInput['endpoint']>;

/** Manual attempts (ping, redeliver) are made on request and never schedule automatic retries. */
export function isManualTrigger(trigger: DeliveryAttempt['trigger']): boolean {
  return trigger === 'ping' || trigger === 'redeliver';
}

/**
 * The delivery's next state and the endpoint's changes, decided from an attempt: what the attempt's storage
 * write records. `random` spreads retries (see {@link retryDelay}).
 */
export function attemptOutcome(
  input: AttemptOutcomeInput,
  policy: OutcomePolicy,
  random?: () => number,
): CompleteAttemptInput {
  const outcome: CompleteAttemptInput = {
    delivery: nextDeliveryState(input, policy, random),
    attempt: input.attempt,
  };
  const changes = endpointChanges(input, policy.disableAfterMs);
  if (changes !== null) outcome.endpoint = changes;
  return outcome;
}

/** Succeeded, retrying (pending, at the later of the schedule's delay and `Retry-After`) or failed. */
function nextDeliveryState(
  { delivery, endpoint, attempt, response, now }: AttemptOutcomeInput,
  policy: OutcomePolicy,
  random: (() => number) | undefined,
): DeliveryRecord {
  let status: DeliveryRecord['status'];
  let nextAttemptAt: Date | null = null;
  if (attempt.error === null) {
    status = 'succeeded';
  } else if (isManualTrigger(attempt.trigger)) {
    // A manual attempt leaves any automatic retry that was already scheduled in place.
    const scheduled = delivery.status === 'pending' && delivery.nextAttemptAt !== null;
    status = scheduled ? 'pending' : 'failed';
    if (scheduled) nextAttemptAt = delivery.nextAttemptAt;
  } else {
    const delay =
      endpoint === null
        ? null
        : retryDelay(attempt.attempt, policy.retrySchedule, policy.retryJitter, random);
    if (delay === null) {
      status = 'failed';
    } else {
      const retryAfter = parseRetryAfter(response?.headers['retry-after'], now, policy.maxRetryAfterMs);
      status = 'pending';
      nextAttemptAt = new Date(now + Math.max(delay, retryAfter ?? 0));
    }
  }
  // Field by field, in one literal: a spread of the delivery then the changes went through the object-clone
  // IC and a second shape per record, for every attempt. A DeliveryRecord's fields are all here.
  return {
    id: delivery.id,
    messageId: delivery.messageId,
    endpointId: delivery.endpointId,
    topic: delivery.topic,
    status,
    attempts: attempt.attempt,
    nextAttemptAt,
    lastAttemptAt: attempt.startedAt,
    lastStatusCode: attempt.statusCode,
    lastError: attempt.error,
    createdAt: delivery.createdAt,
    // The attempt's start when the outcome comes within its millisecond, as its last attempt already is: one
    // Date fewer to make (a call into C++ each) and to collect. Nothing changes a record's dates in place.
    updatedAt: now === attempt.startedAt.getTime() ? attempt.startedAt : new Date(now),
    lockedBy: null,
    lockedUntil: null,
  };
}

/**
 * The endpoint's failing streak (started by a failure, ended by a success) and its disabling: at once on
 * 410 Gone, or once it has been failing for `disableAfterMs`. Null when nothing changes.
 */
function endpointChanges(
  { endpoint, attempt, response, now }: AttemptOutcomeInput,
  disableAfterMs: number,
): EndpointChanges | null {
  if (endpoint === null) return null;
  // The usual outcome, a success of an endpoint that was not failing, changes nothing: no object for it.
  if (attempt.error === null && endpoint.failingSince === null) return null;
  const changes: EndpointChanges = { id: endpoint.id };
  if (attempt.error === null) {
    changes.failingSince = null;
  } else {
    const failingSince = endpoint.failingSince ?? attempt.startedAt;
    if (endpoint.failingSince === null) changes.failingSince = failingSince;
    const gone = response?.status === 410;
    const failingTooLong = now - failingSince.getTime() >= disableAfterMs;
    if (endpoint.enabled && (gone || failingTooLong)) {
      Object.assign(changes, {
        enabled: false,
        disabledReason: gone ? 'gone' : 'failing',
        disabledAt: new Date(now),
      });
    }
  }
  if (Object.keys(changes).length === 1) return null;
  // Later than the endpoint as read even within its last write's millisecond: a change of the endpoint read
  // before this outcome (EndpointRegistry, replaceEndpoint on updatedAt) then sees it and applies itself again.
  changes.updatedAt = new Date(Math.max(now, endpoint.updatedAt.getTime() + 1));
  return changes;
}

/**
 * Delay before the retry that follows attempt number `attempts` (1-based), or null when the schedule is
 * spent. The delay is spread by ± `jitter` so that many deliveries failing together do not retry together.
 */
export function retryDelay(
  attempts: number,
  schedule: readonly number[],
  jitter: number,
  random: () => number = Math.random,
): number | null {
  const base = schedule[attempts - 1];
  if (base === undefined) return null;
  return Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
}

/**
 * Parses a `Retry-After` header (RFC 9110: delay seconds or an HTTP date) into ms from `now`, capped at
 * `maxMs`. Returns null when absent or unreadable, 0 for a date in the past.
 */
export function parseRetryAfter(value: string | undefined, now: number, maxMs: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    // Only HTTP dates: Date.parse would also take "5" or "tomorrow"-like strings in some engines.
    if (!/^[A-Za-z]{3},? /.test(text)) return null;
    const at = Date.parse(text);
    if (Number.isNaN(at)) return null;
    ms = at - now;
  }
  return Math.min(Math.max(0, ms), maxMs);
}
