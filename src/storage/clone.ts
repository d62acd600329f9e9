import type { DeliveryAttempt, DeliveryRecord, EndpointRecord, Message } from '../notifier/types.js';
import type { RunRecord } from './types.js';

// In-process stores hand out copies so that callers can never change stored state by mutating a result,
// just as with a database. structuredClone is exact but slow for 100k jobs, so known shapes are copied by hand.

const date = (d: Date | null): Date | null => (d === null ? null : new Date(d.getTime()));

/** A plain JSON-like value copied deeply. */
export function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const out: Record<string, unknown> = {};
  // for…in with an own-property check: the keys and order of Object.entries, without its pair arrays.
  for (const k in value)
    if (Object.hasOwn(value, k)) out[k] = cloneJson((value as Record<string, unknown>)[k]);
  return out as T;
}

export function cloneRun(run: RunRecord): RunRecord {
  return {
    ...run,
    scheduledAt: new Date(run.scheduledAt.getTime()),
    startedAt: date(run.startedAt),
    finishedAt: date(run.finishedAt),
    error: run.error === null ? null : { ...run.error },
    lockedUntil: date(run.lockedUntil),
  };
}

export function cloneEndpoint(endpoint: EndpointRecord): EndpointRecord {
  return {
    ...endpoint,
    topics: [...endpoint.topics],
    jobIds: endpoint.jobIds === null ? null : [...endpoint.jobIds],
    match: cloneJson(endpoint.match),
    headers: { ...endpoint.headers },
    secrets: endpoint.secrets.map((s) => ({
      ...s,
      createdAt: new Date(s.createdAt),
      expiresAt: date(s.expiresAt),
    })),
    disabledAt: date(endpoint.disabledAt),
    failingSince: date(endpoint.failingSince),
    createdAt: new Date(endpoint.createdAt.getTime()),
    updatedAt: new Date(endpoint.updatedAt.getTime()),
  };
}

export function cloneMessage(message: Message): Message {
  const traceContext = message.traceContext === null ? null : { ...message.traceContext };
  return { ...message, createdAt: new Date(message.createdAt.getTime()), traceContext };
}

export function cloneDelivery(delivery: DeliveryRecord): DeliveryRecord {
  return {
    ...delivery,
    nextAttemptAt: date(delivery.nextAttemptAt),
    lastAttemptAt: date(delivery.lastAttemptAt),
    lastError: delivery.lastError === null ? null : { ...delivery.lastError },
    createdAt: new Date(delivery.createdAt.getTime()),
    updatedAt: new Date(delivery.updatedAt.getTime()),
    lockedUntil: date(delivery.lockedUntil),
  };
}

export function cloneAttempt(attempt: DeliveryAttempt): DeliveryAttempt {
  return {
    ...attempt,
    startedAt: new Date(attempt.startedAt.getTime()),
    error: attempt.error === null ? null : { ...attempt.error },
    responseHeaders: { ...attempt.responseHeaders },
  };
}

/**
 * Freezes plain objects and arrays, deeply; dates are left as they are (freezing does not stop setTime). For
 * records an in-process store hands out without a copy (`peekJob`, `peekEndpoints`): a slip that writes to one
 * throws in strict code instead of changing what later readers see.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || value instanceof Date || Object.isFrozen(value))
    return value;
  Object.freeze(value);
  for (const key in value) if (Object.hasOwn(value, key)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
