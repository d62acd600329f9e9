import { CronhookError, describeValue } from '../../errors.js';
import { JOB_LIMITS } from '../../scheduler/jobs/fields.js';
import { headerBytes, headerProblem, isHeaderName, MAX_HEADER_BYTES } from '../../transport/header-rules.js';
import type { EndpointInput, EndpointMatch, EndpointPatch, EndpointRecord } from '../types.js';

const TOPIC = /^(?:\*|[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*(?:\.\*)?)$/;

/**
 * Size limits of an endpoint: every endpoint is read on every publish to match the event, and its headers
 * are sent with every delivery.
 */
export const ENDPOINT_LIMITS = {
  /** Entries of `topics`. */
  topics: 100,
  /** Entries of `jobIds`. */
  jobIds: 1000,
  /** UTF-8 bytes of `match` as JSON: at most what a job's metadata, which it is compared with, may hold. */
  matchBytes: JOB_LIMITS.metadataBytes,
} as const;

function invalid(field: string, message: string): CronhookError {
  return new CronhookError('ERR_INVALID_ENDPOINT', `${field} ${message}`, { field });
}

/** Checks a webhook URL: absolute http(s), no credentials (they would end up in logs). */
export function validateUrl(url: unknown, field = 'url'): string {
  if (typeof url !== 'string' || url.length === 0) {
    throw invalid(field, `must be an absolute http(s) URL, got ${describeValue(url)}`);
  }
  if (url.length > 2048) throw invalid(field, `is ${url.length} characters long; at most 2048 are allowed`);
  const parsed = URL.parse(url);
  if (parsed === null) {
    // The text is not repeated: a URL's query or path can hold a token.
    throw invalid(field, 'must be an absolute http(s) URL (the value is not shown: a URL can hold a token)');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalid(field, `must use http or https, got ${JSON.stringify(parsed.protocol.slice(0, -1))}`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // The value is not repeated: it holds a credential.
    throw invalid(field, 'must not contain credentials (user:password@); use the authorization option');
  }
  return parsed.href;
}

function validateTopics(topics: unknown): string[] {
  if (!Array.isArray(topics) || topics.length === 0) {
    throw invalid('topics', `must be a non-empty array of topics, got ${describeValue(topics)}`);
  }
  if (topics.length > ENDPOINT_LIMITS.topics) {
    throw invalid('topics', `holds ${topics.length} topics; at most ${ENDPOINT_LIMITS.topics} are allowed`);
  }
  for (const topic of topics) {
    if (typeof topic !== 'string' || topic.length > 200 || !TOPIC.test(topic)) {
      throw invalid(
        'topics',
        `holds ${describeValue(topic)}; a topic is dot-separated words such as "job.execution.failed", or a wildcard "job.*" or "*"`,
      );
    }
  }
  return [...new Set(topics as string[])];
}

function validateJobIds(jobIds: unknown): string[] | null {
  if (jobIds === null || jobIds === undefined) return null;
  if (!Array.isArray(jobIds) || jobIds.some((id) => typeof id !== 'string' || id === '')) {
    throw invalid('jobIds', `must be an array of job ids or null, got ${describeValue(jobIds)}`);
  }
  if (jobIds.length > ENDPOINT_LIMITS.jobIds) {
    throw invalid('jobIds', `holds ${jobIds.length} ids; at most ${ENDPOINT_LIMITS.jobIds} are allowed`);
  }
  return [...new Set(jobIds as string[])];
}

function validateMatch(match: unknown): EndpointMatch | null {
  if (match === null || match === undefined) return null;
  if (typeof match !== 'object' || Array.isArray(match)) {
    throw invalid('match', `must be { metadata: { key: value } } or null, got ${describeValue(match)}`);
  }
  const { metadata, ...rest } = match as Record<string, unknown>;
  const unknownKey = Object.keys(rest)[0];
  if (unknownKey !== undefined) throw invalid('match', `has an unknown key ${JSON.stringify(unknownKey)}`);
  if (metadata === undefined) return {};
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw invalid('match.metadata', `must be an object of values, got ${describeValue(metadata)}`);
  }
  const out: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(metadata)) {
    // Assigned to a plain object, __proto__ would set the prototype instead of a key: the filter would
    // silently become match-all. No job metadata can be matched by it either.
    if (key === '__proto__') {
      throw invalid('match.metadata.__proto__', 'is not allowed as a key (it names the prototype)');
    }
    // Non-finite numbers have no JSON form: a database would store null, which matches other jobs.
    const finite = typeof value !== 'number' || Number.isFinite(value);
    if ((value !== null && !['string', 'number', 'boolean'].includes(typeof value)) || !finite) {
      throw invalid(
        `match.metadata.${key}`,
        `must be a string, finite number, boolean or null, got ${describeValue(value)}`,
      );
    }
    out[key] = value === 0 ? 0 : (value as string | number | boolean | null);
  }
  const bytes = Buffer.byteLength(JSON.stringify(out), 'utf8');
  if (bytes > ENDPOINT_LIMITS.matchBytes) {
    throw invalid(
      'match',
      `is ${bytes} bytes as JSON; at most ${ENDPOINT_LIMITS.matchBytes} bytes are allowed`,
    );
  }
  return { metadata: out };
}

function validateHeaders(headers: unknown): Record<string, string> {
  if (headers === undefined || headers === null) return {};
  if (typeof headers !== 'object' || Array.isArray(headers)) {
    throw invalid('headers', `must be an object of header names to values, got ${describeValue(headers)}`);
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    // The rule jobs follow too (transport/header-rules.ts); values are never echoed.
    const problem = headerProblem(name, value);
    if (problem !== undefined) {
      // An invalid name is never repeated (it may hold a pasted credential), so it is not the field either.
      if (!isHeaderName(name)) throw invalid('headers', problem);
      throw invalid(`headers.${name}`, problem);
    }
    out[name.toLowerCase()] = value as string;
  }
  return out;
}

function validateAuthorization(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value === '' || headerProblem('authorization', value) !== undefined) {
    throw invalid(
      'authorization',
      'must be a non-empty string of visible ASCII, spaces and tabs (value not shown), or null',
    );
  }
  return value;
}

/** The endpoint's headers and authorization together, sent with every delivery, within the limit. */
function checkHeaderBytes(fields: Pick<EndpointRecord, 'headers' | 'authorization'>): void {
  const { headers, authorization } = fields;
  const bytes = headerBytes(authorization === null ? headers : { ...headers, authorization });
  if (bytes > MAX_HEADER_BYTES) {
    throw invalid('headers', `and authorization add ${bytes} bytes; at most ${MAX_HEADER_BYTES} are allowed`);
  }
}

function validateDescription(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > 1000) {
    throw invalid('description', `must be a string of at most 1000 characters, got ${describeValue(value)}`);
  }
  return value;
}

function validateFlag(field: 'enabled' | 'propagateTraceContext', value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw invalid(field, `must be a boolean, got ${describeValue(value)}`);
  return value;
}

const INPUT_KEYS = new Set([
  'id',
  'url',
  'topics',
  'description',
  'authorization',
  'headers',
  'jobIds',
  'match',
  'secret',
  'enabled',
  'propagateTraceContext',
]);

/** Fields a new endpoint takes but a patch does not, with what to do instead. */
const INPUT_ONLY: Record<string, string> = {
  secret: '; change secrets with rotateSecret()',
  id: "; an endpoint's id never changes",
};

function rejectUnknownKeys(input: object, isPatch: boolean): void {
  for (const key of Object.keys(input)) {
    if (!INPUT_KEYS.has(key) || (isPatch && key in INPUT_ONLY)) {
      throw invalid(key, `is not an endpoint field${isPatch ? (INPUT_ONLY[key] ?? '') : ''}`);
    }
  }
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/** Checks an endpoint id chosen by the app: the same rules as job ids. */
export function validateEndpointId(id: unknown): string {
  if (typeof id !== 'string' || !ID.test(id)) {
    throw invalid(
      'id',
      `is ${describeValue(id)}; an id is 1–128 characters: letters, digits and . _ : @ - (starting with a letter or digit)`,
    );
  }
  return id;
}

/** The validated, normalized fields of a new endpoint (the secret is handled by the caller). */
export function validateEndpointInput(
  input: EndpointInput,
): Omit<
  EndpointRecord,
  'id' | 'secrets' | 'createdAt' | 'updatedAt' | 'disabledReason' | 'disabledAt' | 'failingSince'
> {
  if (input === null || typeof input !== 'object') {
    throw invalid('endpoint', `must be an object, got ${describeValue(input)}`);
  }
  rejectUnknownKeys(input, false);
  if (input.id !== undefined) validateEndpointId(input.id);
  const fields = {
    url: validateUrl(input.url),
    topics: validateTopics(input.topics ?? ['*']),
    description: validateDescription(input.description),
    authorization: validateAuthorization(input.authorization),
    headers: validateHeaders(input.headers),
    jobIds: validateJobIds(input.jobIds),
    match: validateMatch(input.match),
    enabled: validateFlag('enabled', input.enabled),
    propagateTraceContext: validateFlag('propagateTraceContext', input.propagateTraceContext),
  };
  checkHeaderBytes(fields);
  return fields;
}

/** Applies a validated patch to a stored endpoint; returns a new record. */
export function applyEndpointPatch(record: EndpointRecord, patch: EndpointPatch, now: Date): EndpointRecord {
  if (patch === null || typeof patch !== 'object') {
    throw invalid('patch', `must be an object, got ${describeValue(patch)}`);
  }
  rejectUnknownKeys(patch, true);
  const next: EndpointRecord = { ...record, updatedAt: now };
  if ('url' in patch) next.url = validateUrl(patch.url);
  if ('topics' in patch) next.topics = validateTopics(patch.topics);
  if ('description' in patch) next.description = validateDescription(patch.description);
  if ('authorization' in patch) next.authorization = validateAuthorization(patch.authorization);
  if ('headers' in patch) next.headers = validateHeaders(patch.headers);
  if ('jobIds' in patch) next.jobIds = validateJobIds(patch.jobIds);
  if ('match' in patch) next.match = validateMatch(patch.match);
  if ('headers' in patch || 'authorization' in patch) checkHeaderBytes(next);
  if ('enabled' in patch) {
    const enabled = validateFlag('enabled', patch.enabled);
    if (enabled && !record.enabled) Object.assign(next, enabledState());
    if (!enabled && record.enabled) {
      Object.assign(next, { enabled: false, disabledReason: 'manual', disabledAt: now });
    }
  }
  if ('propagateTraceContext' in patch) {
    next.propagateTraceContext = validateFlag('propagateTraceContext', patch.propagateTraceContext);
  }
  return next;
}

/** Fields of a (re-)enabled endpoint: a fresh start, with no failing streak. */
export function enabledState(): Pick<
  EndpointRecord,
  'enabled' | 'disabledReason' | 'disabledAt' | 'failingSince'
> {
  return { enabled: true, disabledReason: null, disabledAt: null, failingSince: null };
}
