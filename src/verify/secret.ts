// What a signing secret is, for the receiver (verifyWebhook) and the senders (endpoints, signed HTTP jobs)
// alike, so that nothing a sender accepts is refused by a receiver. Imports nothing: cronhook/verify stays
// free of dependencies.

/** Prefix of every signing secret, as in the Standard Webhooks specification. */
export const SECRET_PREFIX = 'whsec_';
/** Fewest key bytes a secret may have (the Standard Webhooks minimum; fewer can be guessed). */
export const MIN_SECRET_BYTES = 24;
/** Most key bytes a sender accepts (the Standard Webhooks maximum). */
export const MAX_SECRET_BYTES = 64;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The key bytes of a secret (`whsec_` + base64; the prefix is optional, as in the Standard Webhooks
 * libraries), or why it is not one: the reason never repeats the value. Only canonical base64 is accepted
 * (padded, no stray bits), the text every sender shows, and at least {@link MIN_SECRET_BYTES} bytes.
 *
 * @example
 * secretKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw') // Buffer of 24 bytes
 * secretKey('whsec_AQ==') // 'decodes to 1 byte; at least 24 are required'
 */
export function secretKey(secret: string): Buffer | string {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return 'is not valid base64';
  const key = Buffer.from(encoded, 'base64');
  // Non-zero padding bits decode to the same key: refused, so one key has one spelling.
  if (key.toString('base64') !== encoded) return 'is not canonical base64';
  if (key.length < MIN_SECRET_BYTES)
    return `decodes to ${key.length} byte${key.length === 1 ? '' : 's'}; at least ${MIN_SECRET_BYTES} are required`;
  return key;
}
