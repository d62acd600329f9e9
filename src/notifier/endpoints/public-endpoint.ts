import { type HiddenUrlPart, hiddenUrlParts, safeUrl } from '../../transport/safe-url.js';
import type { Endpoint, EndpointRecord } from '../types.js';

/**
 * The endpoint as returned to callers: no secrets, no authorization value, no header values, and the URL
 * without its query or credentials (`urlHidden` says what is left out).
 */
export function toPublicEndpoint(record: EndpointRecord): Endpoint {
  const url = publicUrl(record.url);
  return {
    id: record.id,
    url: url.safe,
    urlHidden: [...url.hidden],
    description: record.description,
    topics: [...record.topics],
    jobIds: record.jobIds === null ? null : [...record.jobIds],
    match: record.match === null ? null : structuredClone(record.match),
    headerNames: Object.keys(record.headers),
    hasAuthorization: record.authorization !== null,
    enabled: record.enabled,
    propagateTraceContext: record.propagateTraceContext,
    disabledReason: record.disabledReason,
    disabledAt: record.disabledAt,
    failingSince: record.failingSince,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

interface PublicUrl {
  safe: string;
  hidden: readonly HiddenUrlPart[];
}

/**
 * The public form of each endpoint URL, parsed once: every delivery event carries its endpoint's public view.
 * Endpoints are few; the bound only keeps a process that churns through URLs from growing this.
 */
const publicUrls = new Map<string, PublicUrl>();
const MAX_PUBLIC_URLS = 1_000;

function publicUrl(raw: string): PublicUrl {
  let known = publicUrls.get(raw);
  if (known === undefined) {
    const url = URL.parse(raw);
    known = url === null ? { safe: '', hidden: [] } : { safe: safeUrl(url), hidden: hiddenUrlParts(url) };
    if (publicUrls.size >= MAX_PUBLIC_URLS) publicUrls.clear();
    publicUrls.set(raw, known);
  }
  return known;
}
