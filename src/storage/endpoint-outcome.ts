import type { EndpointRecord } from '../notifier/types.js';
import { outcomeStamp } from './concurrent-change.js';
import type { CompleteAttemptInput } from './outbox-types.js';

/** The endpoint changes an attempt's outcome carries (`CompleteAttemptInput.endpoint`). */
export type EndpointOutcome = NonNullable<CompleteAttemptInput['endpoint']>;

/**
 * The changes of `patch`: the fields its type names that it holds (defined), nothing else. The type accepts a
 * whole endpoint record (any object with those fields), and the fields besides them are not the outcome's to
 * write: a copy read before a later write would undo it, and an endpoint record opened by EncryptedStorage
 * would carry its secrets in clear.
 */
export function outcomeChanges(patch: EndpointOutcome): EndpointOutcome {
  const changes: EndpointOutcome = { id: patch.id };
  if (patch.failingSince !== undefined) changes.failingSince = patch.failingSince;
  if (patch.enabled !== undefined) changes.enabled = patch.enabled;
  if (patch.disabledReason !== undefined) changes.disabledReason = patch.disabledReason;
  if (patch.disabledAt !== undefined) changes.disabledAt = patch.disabledAt;
  if (patch.updatedAt !== undefined) changes.updatedAt = patch.updatedAt;
  return changes;
}

/** `stored` with an outcome's changes ({@link outcomeChanges}), its `updatedAt` as {@link outcomeStamp} says. */
export function withOutcome(stored: EndpointRecord, patch: EndpointOutcome): EndpointRecord {
  return { ...stored, ...outcomeChanges(patch), updatedAt: outcomeStamp(stored.updatedAt, patch) };
}
