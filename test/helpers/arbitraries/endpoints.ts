/** Endpoint definitions and patches for `addEndpoint` / `updateEndpoint`, from well-formed to hostile. */
import fc from 'fast-check';
import { jobId } from './jobs.js';
import { anyValue, broken, headerRecord, url } from './values.js';

/** Topics and wildcards, valid and not. */
export const topic = fc.oneof(
  fc.constantFrom(
    '*',
    'job.*',
    'job.execution.failed',
    'webhook.ping',
    'invoice.paid',
    'job..x',
    '.*',
    'a.*.b',
    '',
  ),
  fc.string({ maxLength: 12 }),
);

/** Endpoint secrets: well-formed (24–64 bytes) and not. */
export const secret = fc.oneof(
  fc.uint8Array({ minLength: 20, maxLength: 70 }).map((b) => `whsec_${Buffer.from(b).toString('base64')}`),
  fc.constantFrom(
    'whsec_',
    'whsec_abc',
    'not-a-secret',
    `whsec_${'A'.repeat(43)}`,
    `whsec_${'A'.repeat(43)}=`,
  ),
);

const validEndpoint = fc.record(
  {
    url: fc.webUrl({ withQueryParameters: true }),
    topics: fc.array(fc.constantFrom('*', 'job.*', 'job.execution.failed', 'invoice.paid'), {
      minLength: 1,
      maxLength: 3,
    }),
    description: fc.oneof(fc.string({ maxLength: 40 }), fc.constant(null)),
    authorization: fc.oneof(fc.constant('Bearer t0k3n'), fc.constant(null)),
    headers: fc.dictionary(
      fc.constantFrom('x-api-key', 'X-Tenant'),
      fc.string({ maxLength: 20 }).map((v) => v.replace(/[\r\n\0]/g, '')),
    ),
    jobIds: fc.oneof(fc.constant(null), fc.array(fc.constantFrom('nightly', 'hourly'), { maxLength: 2 })),
    match: fc.oneof(
      fc.constant(null),
      fc.record({
        metadata: fc.dictionary(
          fc.string({ maxLength: 6 }),
          fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
          { maxKeys: 3 },
        ),
      }),
    ),
    secret: fc
      .uint8Array({ minLength: 24, maxLength: 64 })
      .map((b) => `whsec_${Buffer.from(b).toString('base64')}`),
    enabled: fc.boolean(),
  },
  { requiredKeys: ['url'] },
);

/** Hostile values per endpoint field; dotted paths reach into `match`. */
const endpointFieldValues: Record<string, fc.Arbitrary<unknown>> = {
  url,
  topics: fc.oneof(fc.constant([]), fc.array(fc.oneof(topic, anyValue()), { minLength: 1, maxLength: 3 })),
  description: fc.oneof(fc.constant('d'.repeat(1001)), fc.integer()),
  authorization: fc.constantFrom('', 'Bearer a\r\nX-Injected: y', 'nul\0'),
  headers: headerRecord,
  jobIds: fc.oneof(fc.constant('nightly'), fc.array(fc.oneof(jobId, anyValue()), { maxLength: 3 })),
  match: fc.oneof(fc.constant({ metadata: { tenant: 'acme' }, extra: 1 }), fc.constant([])),
  'match.metadata': fc.oneof(
    fc.dictionary(fc.string({ maxLength: 6 }), anyValue(), { maxKeys: 3 }),
    fc.dictionary(fc.string({ maxLength: 4 }), fc.double(), { minKeys: 1, maxKeys: 2 }),
    fc.constant([1]),
  ),
  secret,
  enabled: fc.constantFrom('true', 0, 1),
  surprise: fc.constantFrom('x', 1),
};

/** What `addEndpoint` could be given: an endpoint broken in zero to two fields, or (rarely) anything. */
export function endpointInput(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 12, arbitrary: broken(validEndpoint, endpointFieldValues) },
    { weight: 1, arbitrary: anyValue() },
  );
}

/** What `updateEndpoint` could be given: a few fields, valid or not (a `secret` must be refused), or anything. */
export function endpointPatch(): fc.Arbitrary<unknown> {
  const patch = broken(validEndpoint, endpointFieldValues).chain((full) =>
    fc
      .subarray(Object.keys(full), { maxLength: 3 })
      .map((keys) => Object.fromEntries(keys.map((k) => [k, full[k]]))),
  );
  return fc.oneof({ weight: 12, arbitrary: patch }, { weight: 1, arbitrary: anyValue() });
}
