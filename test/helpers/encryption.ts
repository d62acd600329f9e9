import type { EndpointRecord } from '../../src/notifier/types.js';
import { generateEncryptionKey } from '../../src/storage/encryption/encryption-keys.js';
import { endpoint } from '../../src/testing/storage-suite/fixtures.js';

// Keys and secrets of the encryption-at-rest tests: a test that finds one of these where it must not be
// (a file, a message) has found a leak.

/** The key the tests encrypt with. */
export const KEY = generateEncryptionKey();
/** A second key: the older key of a rotation, or the wrong key. */
export const OTHER_KEY = generateEncryptionKey();
/** An endpoint's signing secret. */
export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwZZZZZZZZZZZZ';
/** An HTTP job's signing secret. */
export const JOB_SECRET = 'whsec_am9iIHNpZ25pbmcgc2VjcmV0IGZvciB0ZXN0cw==';
/** An HTTP job's authorization header. */
export const JOB_AUTH = 'Bearer job-token-9012';

/** Endpoint `ep`, signing with {@link SECRET}, to every topic; `overrides` add its other secrets (authorization, headers). */
export function secretEndpoint(overrides: Partial<EndpointRecord> = {}): EndpointRecord {
  return endpoint('ep', {
    url: 'https://hooks.example.com/in',
    topics: ['*'],
    jobIds: null,
    match: null,
    failingSince: null,
    secrets: [{ secret: SECRET, createdAt: new Date(0), expiresAt: null }],
    ...overrides,
  });
}
