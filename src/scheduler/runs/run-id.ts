import { randomBytes } from 'node:crypto';

/** Random bytes per id: 64 bits, 11 base64url characters. */
const RANDOM_BYTES = 8;
const RANDOM_CHARS = 11;
/** Ids drawn per `randomBytes` call (the call costs far more than the bytes). */
const POOL_IDS = 512;
/** Ids made within one millisecond before the time part moves on by one (36^3). */
const SEQ_LIMIT = 46_656;
/**
 * The sequence parts of the first ids of a millisecond, made once: a busy instance makes tens of ids per
 * millisecond, and writing each number out costs as much as the rest of the id.
 */
const SEQ_TEXT = Array.from({ length: 1296 }, (_, seq) => seq.toString(36).padStart(3, '0'));

/** 64-bit random parts, encoded in blocks: an id takes the next 11 characters (a slice, no encoding). */
let pool = '';
let offset = 0;
let lastMs = 0;
let seq = 0;
/** `run_` and the time part of `lastMs`, made once per millisecond. */
let prefix = 'run_000000000';

/**
 * A new run id: `run_`, the creation time in ms (9 base-36 digits), a 3-digit base-36 sequence within that
 * millisecond, then 64 random bits in base64url, e.g. `run_mfz2k1x9c000Yq3v-a8Kx1M`.
 *
 * Ids made by one process sort (as strings) in the order they were made: time and sequence never go back,
 * even when the clock does (the last time is kept and the sequence carries into it). Runs list and prune by
 * (scheduledAt, id), so runs of one job triggered within the same millisecond list newest first in trigger
 * order, and storage that keeps runs in insertion order (MemoryStorage) finds them already sorted. The random
 * part keeps ids of different instances apart; the bits come from the CSPRNG in blocks.
 */
export function newRunId(nowMs: number): string {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    seq = 0;
    prefix = `run_${lastMs.toString(36).padStart(9, '0')}`;
  } else if (++seq === SEQ_LIMIT) {
    lastMs++;
    seq = 0;
    prefix = `run_${lastMs.toString(36).padStart(9, '0')}`;
  }
  if (offset === pool.length) {
    // Each 8 bytes encoded on their own: 11 characters, the same bits as one base64url encoding of them.
    const bytes = randomBytes(RANDOM_BYTES * POOL_IDS);
    const parts: string[] = [];
    for (let i = 0; i < bytes.length; i += RANDOM_BYTES) {
      parts.push(bytes.toString('base64url', i, i + RANDOM_BYTES));
    }
    pool = parts.join('');
    offset = 0;
  }
  const random = pool.slice(offset, offset + RANDOM_CHARS);
  offset += RANDOM_CHARS;
  return prefix + (SEQ_TEXT[seq] ?? seq.toString(36).padStart(3, '0')) + random;
}
