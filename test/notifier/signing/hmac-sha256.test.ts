import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacBase64, hmacInput, hmacKey } from '../../../src/notifier/signing/hmac-sha256.js';
import { generateSecret } from '../../../src/notifier/signing/signatures.js';
import { SigningKeys } from '../../../src/notifier/signing/signing-keys.js';
import { vectors } from '../../helpers/verify.js';

/** A seeded generator (mulberry32): the same keys and messages on every run, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Text of any UTF-16 units: ASCII, 2- and 3-byte characters, surrogate pairs and lone surrogates. */
function randomText(random: () => number, length: number): string {
  let text = '';
  while (text.length < length) {
    const kind = random();
    if (kind < 0.6) text += String.fromCharCode(32 + Math.floor(random() * 95));
    else if (kind < 0.75) text += String.fromCharCode(0x80 + Math.floor(random() * 0x780));
    else if (kind < 0.88) text += String.fromCharCode(0x800 + Math.floor(random() * 0xd000));
    else if (kind < 0.96) text += String.fromCodePoint(0x10000 + Math.floor(random() * 0xfffff));
    else text += String.fromCharCode(0xd800 + Math.floor(random() * 0x800));
  }
  return text;
}

const randomBytes = (random: () => number, length: number) =>
  Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));

const expected = (key: Buffer, message: string) => createHmac('sha256', key).update(message).digest('base64');

describe('HMAC-SHA256 of two one-shot hashes', () => {
  it('equals createHmac for random keys of 0-200 bytes and random messages', () => {
    const random = seeded(18);
    // Empty, shorter than SHA-256's 64-byte block, a block exactly, and longer (hashed first: RFC 2104).
    const lengths = [0, 1, 16, 24, 32, 63, 64, 65, 100, 128, 200];
    for (let i = 0; i < 300; i++) lengths.push(Math.floor(random() * 201));
    for (const length of lengths) {
      const key = randomBytes(random, length);
      const [head, body] = [randomText(random, random() * 40), randomText(random, random() * 400)];
      expect(hmacBase64(hmacKey(key), hmacInput(head, body)), `key of ${length} bytes`).toBe(
        expected(key, head + body),
      );
    }
  });

  it('signs one input with many keys in turn, each as createHmac does, bodies large ones included', () => {
    const random = seeded(50);
    const keys = Array.from({ length: 50 }, (_, i) => randomBytes(random, [24, 32, 64, 65, 0][i % 5]!));
    for (const body of ['', randomText(random, 300), 'x'.repeat(70_000), randomText(random, 70_000)]) {
      const input = hmacInput('msg_1.1767225600.', body);
      for (const key of keys)
        expect(hmacBase64(hmacKey(key), input)).toBe(expected(key, `msg_1.1767225600.${body}`));
    }
  });

  it('signs the Standard Webhooks way: whsec_ secrets and the shared vectors', () => {
    const signing = new SigningKeys();
    for (const v of vectors.standard) {
      expect(signing.standard('ep_v', [v.secret], v.id, v.timestamp, v.payload)).toBe(v.signature);
    }
    for (let i = 0; i < 20; i++) {
      const secret = generateSecret();
      const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
      const body = JSON.stringify({ i, text: 'é 漢字 😀' });
      expect(signing.standard(`ep_${i}`, [secret], `msg_${i}`, 1_767_225_600 + i, body)).toBe(
        `v1,${expected(key, `msg_${i}.${1_767_225_600 + i}.${body}`)}`,
      );
    }
  });
});
