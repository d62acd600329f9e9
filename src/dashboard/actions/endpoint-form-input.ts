import { CronhookError } from '../../errors.js';
import type { EndpointInput, EndpointPatch } from '../../index.js';
import { safeUrl } from '../../transport/safe-url.js';
import type { EndpointView } from '../data/views.js';
import type { EndpointFormValues } from '../pages/endpoint-form.js';

/** A field of the endpoint form that cannot be read; the notifier checks the rest. */
export function badField(field: string, message: string): CronhookError {
  return new CronhookError('ERR_INVALID_REQUEST', message, { field });
}

function list(value: string | null): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `Name: value` lines into headers; a malformed line is named by its number, never echoed. */
function headerLines(text: string | null): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [i, line] of (text ?? '').split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    const at = line.indexOf(':');
    if (at < 1) throw badField('headers', `Extra headers, line ${i + 1}: expected "Name: value"`);
    headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return headers;
}

/** The fields both forms have, as posted. */
function shared(form: URLSearchParams) {
  const topics = [...new Set([...form.getAll('topics'), ...list(form.get('otherTopics'))])];
  if (topics.length === 0) throw badField('topics', 'Choose at least one topic');
  return {
    url: (form.get('url') ?? '').trim(),
    topics,
    description: (form.get('description') ?? '').trim(),
    jobIds: list(form.get('jobIds')),
  };
}

/** The add-endpoint form as `addEndpoint` input. */
export function endpointInput(form: URLSearchParams): EndpointInput {
  if (!(form.get('url') ?? '').trim()) throw badField('url', 'The endpoint URL is required');
  const { url, topics, description, jobIds } = shared(form);
  const authorization = form.get('authorization') ?? '';
  return {
    url,
    topics,
    ...(description ? { description } : {}),
    ...(authorization ? { authorization } : {}),
    headers: headerLines(form.get('headers')),
    ...(jobIds.length ? { jobIds } : {}),
  };
}

/**
 * The edit form as an `updateEndpoint` patch. A URL left empty, or as shown, keeps the stored one (which may
 * hold a query the form never showed); an empty authorization or headers field keeps what is stored; only
 * the "remove" boxes clear them.
 */
export function endpointPatch(form: URLSearchParams, current: EndpointView): EndpointPatch {
  const { url, topics, description, jobIds } = shared(form);
  const patch: EndpointPatch = {
    topics,
    description: description || null,
    jobIds: jobIds.length ? jobIds : null,
  };
  if (url && url !== current.url) patch.url = url;
  const authorization = form.get('authorization') ?? '';
  if (form.get('removeAuthorization') === '1') {
    if (authorization)
      throw badField('authorization', 'Give a new authorization value or remove it, not both');
    patch.authorization = null;
  } else if (authorization) patch.authorization = authorization;
  const headers = form.get('headers') ?? '';
  if (form.get('removeHeaders') === '1') {
    if (headers.trim()) throw badField('headers', 'Give new extra headers or remove them, not both');
    patch.headers = {};
  } else if (headers.trim()) patch.headers = headerLines(headers);
  return patch;
}

/**
 * What a rejected edit form is filled with again: what was posted, except the secret-bearing fields, and a
 * URL only when it holds nothing to hide (no credentials, query or fragment).
 */
export function postedValues(form: URLSearchParams): EndpointFormValues {
  const url = (form.get('url') ?? '').trim();
  return {
    description: (form.get('description') ?? '').trim(),
    url: url !== '' && safeUrl(url) === url ? url : '',
    topics: [...form.getAll('topics'), ...list(form.get('otherTopics'))],
    jobIds: list(form.get('jobIds')).join(', '),
  };
}
