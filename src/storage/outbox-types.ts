import type {
  DeliveryAttempt,
  DeliveryRecord,
  DeliveryStatus,
  EndpointRecord,
  Message,
} from '../notifier/types.js';
import type { ClaimOptions } from './job-types.js';

// The method inputs of the endpoint and outbox side of the Storage contract (types.ts).

export interface ListDeliveriesOptions {
  endpointId?: string;
  messageId?: string;
  status?: DeliveryStatus;
  topic?: string;
  /**
   * Deliveries of messages about this job (`Message.jobId`). Added with the dashboard: an adapter written
   * before it ignores the field, so run `testStorage` again after upgrading.
   */
  jobId?: string;
  /** Deliveries created at or after this time. */
  since?: Date;
  /**
   * Deliveries created strictly before this time: with `since`, the window [since, until). Added with the
   * dashboard's time filter: an adapter written before it ignores the field, so run `testStorage` again after
   * upgrading.
   */
  until?: Date;
  /** Newest first; deliveries created strictly before this cursor. */
  before?: { createdAt: Date; id: string };
  /** @default 50 */
  limit?: number;
}

export interface ClaimDeliveriesOptions extends ClaimOptions {
  /** Skip deliveries to these endpoints (they are at their concurrency limit here). */
  excludeEndpointIds?: string[];
}

export interface CompleteAttemptInput {
  /** The delivery after the attempt (status, attempts, nextAttemptAt, …); its lease is released. */
  delivery: DeliveryRecord;
  attempt: DeliveryAttempt;
  /**
   * Endpoint fields changed by the outcome (failing streak, disabling). A stored `updatedAt` always moves past
   * the one stored before (the later of the given one and 1 ms past it), even when `updatedAt` was stamped
   * from an older copy: a change read before this write must see it (`replaceEndpoint` refuses it). Only these
   * fields are written, those that are defined: an object given with other fields (a whole endpoint record)
   * changes nothing else. Absent, nothing of the endpoint changes; so too with `null`, which the type leaves
   * out but a JavaScript caller may pass (every adapter takes it so: the storage suite).
   * @default undefined
   * @example { id: endpoint.id, failingSince: new Date(), updatedAt: new Date() }
   */
  endpoint?: Pick<EndpointRecord, 'id'> &
    Partial<Pick<EndpointRecord, 'failingSince' | 'enabled' | 'disabledReason' | 'disabledAt' | 'updatedAt'>>;
}

/** What `Storage.insertFanout` stores: a message and one delivery for each endpoint it goes to. */
export interface FanoutInput {
  message: Message;
  /** The endpoints the message goes to, each once; the order gives each delivery its derived id. */
  endpointIds: readonly string[];
  /** When every delivery is first due. */
  nextAttemptAt: Date;
}

export interface PruneDeliveriesInput {
  /** Finished deliveries last updated strictly before this go. */
  before: Date;
  /** At most this many deliveries per call; all that match when omitted. */
  limit?: number;
}
