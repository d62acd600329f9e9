import { hash } from 'node:crypto';

// HMAC-SHA256 as RFC 2104 defines it, `SHA256(key ^ opad || SHA256(key ^ ipad || message))`, made of two
// one-shot SHA-256 calls. Why not `createHmac`: a notifier signs every attempt, and at 50 endpoints one message
// is signed 50 times over the same bytes, each with its endpoint's key. `createHmac(...).update().digest()`
// costs ~2 µs per signature in Node 24 (a stream object, a key handle, three calls into C++), the two one-shot
// hashes ~0.8 µs, and the message's bytes are then encoded once for all its endpoints (see SigningKeys).
// Differentially tested against `createHmac` (test/notifier/signing/hmac-sha256.test.ts).

/** SHA-256's block size: a key is padded to it, and a message's input leaves it free for the inner key. */
export const HMAC_BLOCK = 64;
const DIGEST = 32;

/** A key as HMAC-SHA256 uses it: padded to a block (hashed first when longer), XORed with ipad and opad. */
export interface HmacKey {
  readonly inner: Buffer;
  readonly outer: Buffer;
}

export function hmacKey(key: Buffer): HmacKey {
  const bytes = key.length > HMAC_BLOCK ? hash('sha256', key, 'buffer') : key;
  const inner = Buffer.alloc(HMAC_BLOCK, 0x36);
  const outer = Buffer.alloc(HMAC_BLOCK, 0x5c);
  for (let i = 0; i < bytes.length; i++) {
    inner[i]! ^= bytes[i]!;
    outer[i]! ^= bytes[i]!;
  }
  return { inner, outer };
}

/**
 * The input for {@link hmacBase64} of a message, `parts` joined as UTF-8 (as `Hmac.update` encodes a string):
 * a block of room for the inner key, then the message's bytes. Made once, signed with any number of keys.
 */
export function hmacInput(...parts: string[]): Buffer {
  let size = HMAC_BLOCK;
  for (const part of parts) size += Buffer.byteLength(part);
  const input = Buffer.allocUnsafe(size);
  let at = HMAC_BLOCK;
  for (const part of parts) at += input.write(part, at);
  return input;
}

/** The outer hash's input: the outer key, then the inner digest (used synchronously, so one will do). */
const outerInput = Buffer.alloc(HMAC_BLOCK + DIGEST);

/** The base64 HMAC-SHA256 of the message in `input` (see {@link hmacInput}), whose room it overwrites. */
export function hmacBase64(key: HmacKey, input: Buffer): string {
  input.set(key.inner, 0);
  outerInput.set(key.outer, 0);
  // 'binary' (latin1): the digest's 32 bytes as 32 characters and back; a Buffer result costs ~1 µs more.
  outerInput.write(hash('sha256', input, 'binary'), HMAC_BLOCK, DIGEST, 'binary');
  return hash('sha256', outerInput, 'base64');
}
