/** `cronhook run` config files, from well-formed to hostile, for the CLI config loader. */
import fc from 'fast-check';
import { secret } from './endpoints.js';
import { jobDefinition } from './jobs.js';
import { anyValue, broken, hostileString, url } from './values.js';

const validConfig = fc.record(
  {
    db: fc.constantFrom('cronhook.db', ':memory:'),
    scheduler: fc.record(
      { timezone: fc.constantFrom('UTC', 'Europe/Berlin'), concurrency: fc.nat(20) },
      { requiredKeys: [] },
    ),
    notifier: fc.record({ attemptTimeoutMs: fc.integer({ min: 1, max: 60_000 }) }, { requiredKeys: [] }),
    jobs: fc.uniqueArray(
      fc
        .stringMatching(/^[a-z][a-z0-9-]{0,10}$/)
        .map((id) => ({ id, schedule: '*/5 * * * *', target: { url: 'https://example.com/' } })),
      { selector: (j) => j.id, maxLength: 3 },
    ),
    endpoints: fc.array(
      fc.oneof(
        fc.record({ url: fc.webUrl(), secret }),
        fc.record({ url: fc.webUrl(), secretEnv: fc.constantFrom('FUZZ_HOOK_SECRET', 'FUZZ_UNSET_SECRET') }),
      ),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);

/** Hostile values per config key (jobs and endpoints replaced as a whole). */
const configFieldValues: Record<string, fc.Arbitrary<unknown>> = {
  db: fc.constantFrom('', 5, null),
  databaseUrl: fc.oneof(fc.constant('postgres://u:p@127.0.0.1:1/db'), hostileString()),
  scheduler: fc.constantFrom([], 'fast', null),
  notifier: fc.constantFrom([], 'fast', null),
  handlers: fc.oneof(fc.constant({ cleanup: 'not a function' }), fc.constant([])),
  jobs: fc.oneof(
    fc.array(fc.oneof(jobDefinition(), anyValue()), { maxLength: 3 }),
    fc.constant([
      { id: 'dup', schedule: '* * * * *', target: { handler: 'x' } },
      { id: 'dup', schedule: '* * * * *', target: { handler: 'x' } },
    ]),
  ),
  endpoints: fc.array(
    fc.oneof(
      fc.record(
        { url: fc.oneof(url, anyValue()), secret: fc.oneof(secret, anyValue()) },
        { requiredKeys: [] },
      ),
      fc.record({ url: url, secretEnv: anyValue(), secret: secret }, { requiredKeys: ['url', 'secretEnv'] }),
      anyValue(),
    ),
    { maxLength: 3 },
  ),
  surprise: fc.constantFrom(1, '__proto__'),
};

/** A config object as a module could export it: broken in zero to two keys, or anything. */
export function configObject(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 10, arbitrary: broken(validConfig, configFieldValues) },
    { weight: 1, arbitrary: anyValue() },
  );
}

/** The text of a `cronhook.config.json`: serialized configs, JSON of other shapes, and text that is not JSON. */
export function configFileText(): fc.Arbitrary<string | Uint8Array> {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: configObject().map((c) => {
        try {
          return JSON.stringify(c) ?? 'undefined';
        } catch {
          return '{"jobs": [}';
        }
      }),
    },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: hostileString() },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('{"__proto__": {"db": "x"}}', `${'['.repeat(100_000)}`, '\uFEFF{}', ''),
    },
  );
}
