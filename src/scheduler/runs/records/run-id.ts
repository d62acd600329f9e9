import { randomBytes } from 'node:crypto';

/** Random base64url characters per id: 66 bits. */
const RANDOM_CHARS = 11;
/** Ids drawn per `randomBytes` call (the call costs far more than the bytes). */
const POOL_IDS = 512;
/** Bytes of a pool: 6 bits per character, a multiple of 3 bytes (no padding). */
const POOL_BYTES = (RANDOM_CHARS * POOL_IDS * 6) / 8;
/** Ids made within one millisecond before the time part moves on by one (36^3). */
const SEQ_LIMIT = 46_656;
/**
 * The sequence parts of the first ids of a millisecond, made once: a busy instance makes tens of ids per
 * millisecond, and writing each number out costs as much as the rest of the id.
 */
const SEQ_TEXT = Array.from({ length: 1296 }, (_, seq) => seq.toString(36).padStart(3, '0'));

/** Random characters, encoded in one go: an id takes the next 11 (a slice, no encoding). */
let pool = '';
let offset = 0;
let lastMs = 0;
let seq = 0;
/** `run_` and the time part of `lastMs`, made once per millisecond. */
let prefix = 'run_000000000';

/**
 * A new run id: `run_`, the creation time in ms (9 base-36 digits), a 3-digit base-36 sequence within that
 * millisecond, then 66 random bits in base64url (11 characters), e.g. `run_mfz2k1x9c000Yq3v-a8Kx1M`.
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
    // One encoding for the ids of a pool, not one per id (each encoding call costs as much as the rest of an
    // id): 11 characters of it are 66 random bits.
    pool = randomBytes(POOL_BYTES).toString('base64url');
    offset = 0;
  }
  const random = pool.slice(offset, offset + RANDOM_CHARS);
  offset += RANDOM_CHARS;
  return prefix + (SEQ_TEXT[seq] ?? seq.toString(36).padStart(3, '0')) + random;
}
