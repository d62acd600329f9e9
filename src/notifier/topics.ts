import { CronhookError, describeValue } from '../errors.js';
import type { EndpointMatch, EndpointRecord } from './types.js';

// Topics: which endpoints an event selects (its topic, job and metadata), and which topics an app may publish.

/** What an event offers for matching against endpoints. */
export interface MatchSubject {
  topic: string;
  /** The job the event is about; null for the app's own topics. */
  jobId: string | null;
  /** That job's metadata; null when there is no job. */
  metadata: Record<string, unknown> | null;
}

/**
 * True when `topic` is selected by `pattern`: an exact topic, `*` for every topic, or a prefix wildcard such
 * as `job.*` (every topic starting with `job.`, at any depth).
 */
export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) {
    // `topic.startsWith(pattern.slice(0, -1))` without the slice: every publish asks this of every endpoint,
    // and a string made per endpoint was a good part of a 50-endpoint publish's garbage.
    const prefix = pattern.length - 1;
    if (topic.length < prefix) return false;
    for (let i = 0; i < prefix; i++) if (topic.charCodeAt(i) !== pattern.charCodeAt(i)) return false;
    return true;
  }
  return pattern === topic;
}

/**
 * Whether `endpoint` wants this event. `jobIds` and `match.metadata` filter job events; an event with no job
 * (the app's own topics, pings) never passes a job filter, since the endpoint asked for some jobs only.
 */
export function endpointMatches(
  endpoint: Pick<EndpointRecord, 'topics' | 'jobIds' | 'match'>,
  subject: MatchSubject,
): boolean {
  // Loops rather than callbacks: every publish matches every endpoint.
  let wanted = false;
  for (const pattern of endpoint.topics) {
    if (topicMatches(pattern, subject.topic)) {
      wanted = true;
      break;
    }
  }
  if (!wanted) return false;
  if (endpoint.jobIds !== null && (subject.jobId === null || !endpoint.jobIds.includes(subject.jobId))) {
    return false;
  }
  return metadataMatches(endpoint.match, subject.metadata);
}

function metadataMatches(match: EndpointMatch | null, metadata: Record<string, unknown> | null): boolean {
  const wanted = match?.metadata;
  if (wanted === undefined) return true;
  for (const key in wanted) {
    if (!Object.hasOwn(wanted, key)) continue;
    if (metadata === null || !Object.hasOwn(metadata, key) || !Object.is(metadata[key], wanted[key]))
      return false;
  }
  return true;
}

const TOPIC = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

/**
 * Largest body of an event the app publishes (type, timestamp and data as JSON), in UTF-8 bytes: stored
 * once and sent on every attempt to every endpoint. 256 KiB, as the common message queues allow.
 */
export const MAX_PUBLISH_BYTES = 262_144;

/**
 * Checks the topic of an event the app publishes: dot-separated words of at most 200 characters, outside
 * the `webhook.` prefix the library keeps for its own (`webhook.ping`).
 */
export function validatePublishTopic(topic: unknown): string {
  if (typeof topic !== 'string' || !TOPIC.test(topic) || topic.length > 200 || topic.startsWith('webhook.')) {
    throw new CronhookError(
      'ERR_INVALID_OPTION',
      `publish: topic ${describeValue(topic)} is not allowed; use dot-separated words such as "invoice.paid" (the "webhook." prefix is reserved)`,
      { field: 'topic' },
    );
  }
  return topic;
}
