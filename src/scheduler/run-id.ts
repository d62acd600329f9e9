import { randomBytes } from 'node:crypto';

/** Random bytes per id: 64 bits, 11 base64url characters. */
const RANDOM_BYTES = 8;
/** Ids drawn per `randomBytes` call (the call costs far more than the bytes). */
const POOL_IDS = 512;
/** Ids made within one millisecond before the time part moves on by one (36^3). */
const SEQ_LIMIT = 46_656;

let pool = Buffer.alloc(0);
let offset = 0;
let lastMs = 0;
let seq = 0;

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
  } else if (++seq === SEQ_LIMIT) {
    lastMs++;
    seq = 0;
  }
  if (offset + RANDOM_BYTES > pool.length) {
    pool = randomBytes(RANDOM_BYTES * POOL_IDS);
    offset = 0;
  }
  const random = pool.toString('base64url', offset, offset + RANDOM_BYTES);
  offset += RANDOM_BYTES;
  return `run_${lastMs.toString(36).padStart(9, '0')}${seq.toString(36).padStart(3, '0')}${random}`;
}
