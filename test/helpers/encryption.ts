import { generateEncryptionKey } from '../../src/storage/encryption/encryption-keys.js';

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
