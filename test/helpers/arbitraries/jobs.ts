/** Job definitions (targets, retry, limits) and `updateJob` patches, from well-formed to hostile. */
import fc from 'fast-check';
import { cronExpression, dateLike, scheduleInput, timezone, validSchedule } from './schedules.js';
import { anyValue, broken, headerRecord, maybe, url } from './values.js';

/** `target` replaced as a whole: HTTP or handler shaped, each field sometimes broken, or anything. */
function anyTarget(): fc.Arbitrary<unknown> {
  const http = fc.record(
    {
      url: maybe(url),
      method: maybe(fc.constantFrom('GET', 'TRACE')),
      headers: headerRecord,
      body: anyValue(),
    },
    { requiredKeys: ['url'] },
  );
  const handler = fc.record({ handler: maybe(fc.constantFrom('cleanup', '')), payload: anyValue() });
  return fc.oneof(http, handler, anyValue());
}

const validHttpTarget = fc.record(
  {
    url: fc.webUrl({ withQueryParameters: true }),
    method: fc.constantFrom('GET', 'post', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
    headers: fc.dictionary(
      fc.constantFrom('x-api-key', 'X-Trace', 'content-type'),
      fc.string({ maxLength: 20 }).map((v) => v.replace(/[\r\n]/g, '')),
    ),
    body: fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    ),
    timeoutMs: fc.integer({ min: 1, max: 86_400_000 }),
    signingSecret: fc
      .uint8Array({ minLength: 24, maxLength: 48 })
      .map((b) => `whsec_${Buffer.from(b).toString('base64')}`),
  },
  { requiredKeys: ['url'] },
);

const validHandlerTarget = fc.record(
  {
    handler: fc.constantFrom('cleanup', 'report'),
    payload: fc.jsonValue({ maxDepth: 2 }),
    timeoutMs: fc.integer({ min: 1, max: 86_400_000 }),
  },
  { requiredKeys: ['handler'] },
);

const validJob = fc.record(
  {
    id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,20}$/),
    name: fc.string({ maxLength: 30 }),
    schedule: validSchedule,
    target: fc.oneof(validHttpTarget, validHandlerTarget),
    retry: fc.record(
      {
        attempts: fc.integer({ min: 1, max: 5 }),
        minDelayMs: fc.integer({ min: 0, max: 1000 }),
        factor: fc.double({ min: 1, max: 10, noNaN: true }),
      },
      { requiredKeys: [] },
    ),
    overlap: fc.constantFrom('skip', 'allow', 'queue'),
    catchUp: fc.oneof(
      fc.constantFrom('skip', 'latest'),
      fc.record({ max: fc.integer({ min: 1, max: 1000 }) }),
    ),
    successStatuses: fc.array(fc.integer({ min: 100, max: 599 }), { minLength: 1, maxLength: 3 }),
    jitterMs: fc.integer({ min: 0, max: 60_000 }),
    startAt: fc.constantFrom('2026-01-01T06:00:00Z', '2025-06-01T00:00:00Z'),
    endAt: fc.constantFrom('2027-01-01T00:00:00Z', '2030-01-01T00:00:00Z'),
    maxRuns: fc.integer({ min: 1, max: 1000 }),
    enabled: fc.boolean(),
    metadata: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  },
  { requiredKeys: ['schedule', 'target'] },
);

/** Hostile values per field of a job definition; dotted paths reach into schedule, target and retry. */
const jobFieldValues: Record<string, fc.Arbitrary<unknown>> = {
  id: fc.constantFrom(
    '',
    '-leading-dash',
    'a'.repeat(129),
    'has space',
    'ünïcode',
    '__proto__',
    'constructor',
  ),
  name: fc.integer(),
  schedule: scheduleInput(),
  'schedule.cron': cronExpression(),
  'schedule.timezone': timezone(),
  'schedule.every': fc.oneof(
    fc.double(),
    fc.constantFrom('0.5s', '3650d', '3651d', '1w', ' 5 m ', '-5m', '1e3'),
  ),
  'schedule.at': dateLike,
  target: anyTarget(),
  'target.url': url,
  'target.method': fc.constantFrom('TRACE', 'CONNECT', 'get ', ''),
  'target.headers': headerRecord,
  'target.body': fc.oneof(fc.string(), fc.json()),
  'target.timeoutMs': fc.integer({ min: -5, max: 100_000_000 }),
  'target.signingSecret': fc.constantFrom('whsec_', 'whsec_!!!!', 'secret', `whsec_${'A'.repeat(20)}`),
  'target.handler': fc.constantFrom('', 'missing'),
  'target.payload': fc.jsonValue(),
  retry: fc.constantFrom([], 'retry', 3),
  'retry.attempts': fc.integer({ min: -1, max: 120 }),
  'retry.minDelayMs': fc.integer({ min: -1, max: 100_000_000 }),
  'retry.maxDelayMs': fc.integer({ min: -1, max: 100_000_000 }),
  'retry.factor': fc.double({ min: -1, max: 12 }),
  overlap: fc.constantFrom('SKIP', 'never'),
  catchUp: fc.oneof(fc.constantFrom('all', 'none'), fc.record({ max: fc.integer({ min: -1, max: 2000 }) })),
  successStatuses: fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 4 }),
  jitterMs: fc.integer({ min: -1, max: 100_000_000 }),
  startAt: dateLike,
  endAt: dateLike,
  maxRuns: fc.oneof(fc.integer({ min: -1, max: 10 }), fc.constant(Number.MAX_SAFE_INTEGER + 2)),
  enabled: fc.constantFrom('true', 0, 1),
  metadata: fc.constantFrom([], 'meta', 1),
};

/** What `addJob` could be given: a definition broken in zero to two fields, or (rarely) anything. */
export function jobDefinition(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 12, arbitrary: broken(validJob, jobFieldValues) },
    { weight: 1, arbitrary: anyValue() },
  );
}

/** What `updateJob` could be given as a patch: a few fields, valid or not, or (rarely) anything. */
export function jobPatch(): fc.Arbitrary<unknown> {
  const patch = broken(validJob, jobFieldValues).chain((full) =>
    fc
      .subarray(Object.keys(full), { maxLength: 3 })
      .map((keys) => Object.fromEntries(keys.map((k) => [k, full[k]]))),
  );
  return fc.oneof({ weight: 12, arbitrary: patch }, { weight: 1, arbitrary: anyValue() });
}

/** Job ids, valid and not. */
export const jobId = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,20}$/),
  fc.constantFrom('', '-leading-dash', 'a'.repeat(129), 'has space', 'ünïcode', '__proto__', 'constructor'),
);
