import type { EndpointRecord } from '../../notifier/types.js';
import { outcomeChanges } from '../endpoint-outcome.js';
import type { CompleteAttemptInput, JobRecord } from '../types.js';

/**
 * Where secrets live in what cronhook stores, written once for sealing, opening, re-encrypting and the check
 * made before use: an endpoint's signing secrets (every one kept, including those still signing during a
 * rotation's grace), its authorization value and header values; an HTTP job's signing secret and header
 * values. `context` names the record and field (`endpoint:<id>:authorization`), so a value only decrypts
 * where it was written.
 */
export type SecretTransform = (value: string, context: string) => string;

function mapHeaders(
  headers: Record<string, string>,
  base: string,
  f: SecretTransform,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name]!;
    out[name] = typeof value === 'string' ? f(value, `${base}:header:${name}`) : value;
  }
  return out;
}

/** A copy of the endpoint with `f` applied to each secret value. */
export function mapEndpointSecrets(endpoint: EndpointRecord, f: SecretTransform): EndpointRecord {
  const base = `endpoint:${endpoint.id}`;
  return {
    ...endpoint,
    headers: mapHeaders(endpoint.headers, base, f),
    authorization:
      endpoint.authorization === null ? null : f(endpoint.authorization, `${base}:authorization`),
    secrets: endpoint.secrets.map((s) => ({ ...s, secret: f(s.secret, `${base}:secret`) })),
  };
}

/** A copy of the job with `f` applied to each secret value; the job itself when it has none. */
export function mapJobSecrets(job: JobRecord, f: SecretTransform): JobRecord {
  const target = job.target;
  if (!('url' in target) || (target.signingSecret === undefined && target.headers === undefined)) return job;
  const base = `job:${job.id}`;
  const mapped = { ...target };
  if (target.headers !== undefined) mapped.headers = mapHeaders(target.headers, base, f);
  if (target.signingSecret !== undefined) {
    mapped.signingSecret = f(target.signingSecret, `${base}:signingSecret`);
  }
  return { ...job, target: mapped };
}

/**
 * `input` with its endpoint patch cut to the changes an outcome makes ({@link outcomeChanges}), the input itself
 * when it has none (the usual outcome): a whole endpoint record given as the patch, an opened one, would carry
 * its secrets in clear to the storage underneath, whatever that does with fields besides the changes.
 */
export function statusOnly(input: CompleteAttemptInput): CompleteAttemptInput {
  return !input.endpoint ? input : { ...input, endpoint: outcomeChanges(input.endpoint) };
}
